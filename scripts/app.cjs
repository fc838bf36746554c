#!/usr/bin/env node
// The cdktf app command. It bundles the TypeScript entry point with esbuild
// (transpile only, tens of milliseconds) and runs the result in this process,
// so every synth runs the current source and no type-checker sits on the hot
// path. Type-checking happens once, in `npm test` (tsc --noEmit).
//
// A configuration mistake (ConfigError) is printed as one line, without a stack
// trace, and the process exits 1 before anything is synthesized.
"use strict";
const path = require("node:path");
const { buildSync } = require("esbuild");

const entry = path.resolve(process.argv[2] || "main.ts");
const outfile = path.resolve(".gen", `${path.basename(entry, ".ts")}.app.cjs`);

buildSync({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});

try {
  require(outfile);
} catch (err) {
  if (err && err.name === "ConfigError") {
    process.stderr.write(`Error: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
