// Jest globalSetup: one output directory for every test app of the run (cdktf's Testing.app() otherwise makes a
// directory under the system temp for each app, and nothing removes them: about a thousand per run). The workers
// start after this and inherit the variable; outdir-teardown.cjs removes the directory.
"use strict";
const { mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

module.exports = async function setup() {
  process.env.LOKI_TEST_OUTDIR = mkdtempSync(join(tmpdir(), "loki-test-outdir-"));
};
