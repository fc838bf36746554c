#!/usr/bin/env node
// `npm run bench:lines`: the size of the line Loki stores for a typical container log line, with the
// Fluent Bit config the stack synthesizes now and with the one it shipped before lean lines; and the CPU
// and memory the Loki release requests for each size.
//
// Fluent Bit cannot run here (no binary), so the stored line is computed from the synthesized config:
// shapeOf (lib/fluent-bit/config.ts) reads the kubernetes filter (merge_log_key, annotations) and the loki output
// (remove_keys, drop_single_key, line_format) out of buildFluentBitConfig's result; storedLine
// (lib/fluent-bit/lines.ts) applies them to a typical record in the order Fluent Bit 4.0.1's out_loki does
// (pack_record: remove_keys on a copy, then drop_single_key, then JSON). The requests are summed from the chart values buildLokiValues returns,
// the same function the stack's `loki_requests` output uses.
//
// A benchmark reports figures: it never fails on a number.
"use strict";

const Module = require("node:module");
const path = require("node:path");
const { buildSync } = require("esbuild");

const ROOT = path.resolve(__dirname, "..");

const ENTRY = `
import { buildFluentBitConfig, shapeOf } from "./lib/fluent-bit/config";
import { lineBytes, PREVIOUS_SHAPE, storedLine, TYPICAL_LINES } from "./lib/fluent-bit/lines";
import { LokiStackProps, resolveLokiStackProps } from "./lib/loki-stack-props";
import { releaseRequests } from "./lib/loki/release-requests";
import { INGEST_TIERS } from "./lib/loki/sizing";
import { buildLokiValues } from "./lib/loki/values";

const settingsOf = (props: Partial<LokiStackProps>) => resolveLokiStackProps({ clusterName: "bench", ...props }, "bench");
const settings = settingsOf({});
const config = buildFluentBitConfig(settings.fluentBit!);
const shape = shapeOf(config);

export const lines = TYPICAL_LINES.map((sample) => {
  const before = storedLine(sample, PREVIOUS_SHAPE);
  const after = storedLine(sample, shape);
  return { message: lineBytes(sample.log), before: lineBytes(before), after: lineBytes(after), stored: after };
});

const sizes: [string, Partial<LokiStackProps>][] = [
  ["reference preset", {}],
  ["production preset", { size: "production" }],
  ...INGEST_TIERS.map((t): [string, Partial<LokiStackProps>] => [\`\${t.tier} tier (\${t.label})\`, { ingestGbPerDay: Math.max(1, t.fromGbPerDay) }]),
];
export const requests = sizes.map(([label, props]) => {
  const s = settingsOf(props);
  return { label, ...releaseRequests(buildLokiValues(s.lokiResolved)) };
});
`;

const { outputFiles } = buildSync({
  stdin: { contents: ENTRY, resolveDir: ROOT, loader: "ts", sourcefile: "bench-lines.ts" },
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  write: false,
  logLevel: "warning",
});
const filename = path.join(ROOT, "bench-lines.bundle.js");
const bundle = new Module(filename, module);
bundle.filename = filename;
bundle.paths = Module._nodeModulePaths(ROOT);
bundle._compile(outputFiles[0].text, filename);
const { lines, requests } = bundle.exports;

const out = (text) => process.stdout.write(`${text}\n`);
out("Stored line per typical container log line (bytes), computed from the synthesized Fluent Bit config");
out("  kind         message  before  after  saved");
lines.forEach((l, i) => {
  const kind = i === 0 ? "plain text" : "JSON";
  const saved = `${Math.round((1 - l.after / l.before) * 100)}%`;
  out(`  ${kind.padEnd(11)}  ${String(l.message).padStart(7)}  ${String(l.before).padStart(6)}  ${String(l.after).padStart(5)}  ${saved.padStart(5)}`);
});
out(`  stored now: ${lines.map((l) => l.stored).join("\n              ")}`);
out("");
out("CPU and memory the Loki release requests (the stack's loki_requests output)");
for (const r of requests) {
  out(`  ${r.label.padEnd(52)} ${String(r.cpu_cores).padStart(7)} cores  ${String(r.memory_gib).padStart(8)} GiB  + canary ${r.canary_per_node.cpu_cores} cores, ${r.canary_per_node.memory_gib} GiB per node`);
}
