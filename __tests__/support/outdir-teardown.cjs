// Jest globalTeardown: removes the run's test-app output directory (see outdir-setup.cjs).
"use strict";
const { rmSync } = require("node:fs");

module.exports = async function teardown() {
  if (process.env.LOKI_TEST_OUTDIR) rmSync(process.env.LOKI_TEST_OUTDIR, { recursive: true, force: true });
};
