#!/usr/bin/env node
// The cdktf app command. It bundles the TypeScript entry point with esbuild
// (transpile only, tens of milliseconds) in memory and runs the bundle in this
// process, so every synth runs the current source, no compiled copy is left on
// disk to go stale (or to race another synth), and no type-checker sits on the
// hot path. Type-checking happens once, in `npm test` (tsc --noEmit).
//
// A configuration mistake (ConfigError) is printed as one line, without a stack
// trace, and the process exits 1 before anything is synthesized. Any other
// error's stack trace points at the TypeScript sources.
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const { buildSync } = require("esbuild");

const entry = path.resolve(process.argv[2] || "main.ts");
const entryDir = path.dirname(entry);
// Never written: it names the bundle's outputs and the module it runs as.
const outfile = path.join(entryDir, `${path.basename(entry, ".ts")}.bundle.js`);

const { outputFiles } = buildSync({
  entryPoints: [entry],
  outfile,
  write: false,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  // Kept in memory and read only when something crashes (Node's own source-map
  // support would parse the maps of every package the app loads: +50% time).
  sourcemap: "external",
  sourcesContent: false,
  logLevel: "warning",
});
const code = outputFiles.find((file) => file.path === outfile).text;
const sourceMap = outputFiles.find((file) => file.path === `${outfile}.map`).text;

/** Rewrites the bundle's frames in a stack trace to the TypeScript file, line and column. */
function mapStack(stack) {
  const map = new Module.SourceMap(JSON.parse(sourceMap));
  const frame = /([^\s()]+):(\d+):(\d+)(?=\)?$)/gm;
  return stack.replace(frame, (match, file, line, column) => {
    if (file !== outfile) return match;
    const found = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!found || !found.originalSource) return match;
    const source = path.resolve(entryDir, found.originalSource.replace(/^file:\/\//, ""));
    return `${source}:${found.originalLine + 1}:${found.originalColumn + 1}`;
  });
}

// cdktf's App creates <outdir> and <outdir>/stacks as soon as it is constructed, before any
// stack validates its settings; a failed run removes the ones it created, leaving no partial output.
const outdir = path.resolve(process.env.CDKTF_OUTDIR || "cdktf.out");
const createdDirs = [path.join(outdir, "stacks"), outdir].filter((dir) => !fs.existsSync(dir));

try {
  // The bundle runs as a module next to the entry point, so the packages it
  // leaves external resolve from the project's node_modules, as from main.ts.
  const app = new Module(outfile, module);
  app.filename = outfile;
  app.paths = Module._nodeModulePaths(entryDir);
  app._compile(code, outfile);
} catch (err) {
  if (err && err.name === "ConfigError") {
    for (const dir of createdDirs) {
      if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
    process.stderr.write(`Error: ${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof Error && typeof err.stack === "string") err.stack = mapStack(err.stack);
  throw err;
}
