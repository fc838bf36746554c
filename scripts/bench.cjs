#!/usr/bin/env node
// `npm run bench`: how close synth and tests are to the floor (Node.js loading cdktf), and how
// they compare with the defaults of the cdktf TypeScript template (a type-checking ts-node app
// and the ts-jest preset), on the same main.ts and the same tests.
//
// A benchmark reports figures: it never fails on a time. It exits 1 only when a measured command
// itself failed (a broken test or synth), which is reported next to its figure.
//
// Each figure is timed over BENCH_RUNS runs (default 5) after BENCH_WARMUP warm-up runs (default
// 1). The test-suite figures take fewer runs, because one run takes 10 s to a minute:
// BENCH_TEST_RUNS (default 3) for `npm test`, BENCH_TEMPLATE_TEST_RUNS (default 2) for ts-jest, and
// BENCH_REAL_RUNS (default 1, no warm-up) for the real-program suite, which takes its programs from the
// environment as `npm run test:real` does (real/support/programs.ts; .ci/run sets them).
// `npm run bench -- a b` measures only the figures named.
//
// Peak RSS covers the whole process tree (npm, jest workers, esbuild, terraform, ...): /proc is
// sampled every 10 ms, and the figure is the largest sum of the RSS of the processes alive at the
// same moment (or the largest single process's VmHWM, when that is higher). A sample reads every
// thread's children of every process in the tree, which for a tree of Go programs with dozens of
// threads each (the real-program suite) costs milliseconds: the pause after a sample is at least
// SAMPLE_COST_FACTOR times what the sample took, so the sampler never takes more than about 5% of
// one core from what it measures.
//
// Nothing the user has is changed: synth output goes to temporary directories (CDKTF_OUTDIR and
// `--output`), jest runs with CI=true (it never writes a snapshot) and, where the figure says so,
// an empty cache of its own; tsc's build info is set aside for the cold runs and put back after;
// the template's configuration lives in .gen/bench/ (git-ignored) while the bench runs.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { setTimeout: sleep } = require("node:timers/promises");

const ROOT = path.resolve(__dirname, "..");
const SAMPLE_MS = 10;
const SAMPLE_COST_FACTOR = 20;

/** A whole number from the environment, or the default. */
function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`${name} must be a whole number >= 0 (got "${raw}")\n`);
    process.exit(2);
  }
  return value;
}

const RUNS = Math.max(1, intEnv("BENCH_RUNS", 5));
const WARMUP = intEnv("BENCH_WARMUP", 1);
const TEST_RUNS = Math.max(1, intEnv("BENCH_TEST_RUNS", Math.min(RUNS, 3)));
const TEMPLATE_TEST_RUNS = Math.max(1, intEnv("BENCH_TEMPLATE_TEST_RUNS", Math.min(RUNS, 2)));
const REAL_RUNS = Math.max(1, intEnv("BENCH_REAL_RUNS", 1));

// ---------------------------------------------------------------------------------------------
// Peak RSS of a process tree, from /proc (Linux). Elsewhere the figure is "n/a".

const HAS_PROC = fs.existsSync("/proc/self/status");

/** VmRSS and VmHWM of one process in KiB, or undefined once it has exited. */
function memoryOf(pid) {
  let status;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
  // A zombie has no Vm lines any more: it holds no memory.
  if (!rss || !hwm) return undefined;
  return { rss: Number(rss[1]), hwm: Number(hwm[1]) };
}

/** Direct children of a process, through every thread (Go and libuv may fork from any thread). */
function childrenOf(pid) {
  const children = [];
  let tasks;
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const tid of tasks) {
    try {
      const list = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      if (list) children.push(...list.split(" ").map(Number));
    } catch {
      // The thread ended between the two reads.
    }
  }
  return children;
}

/** Takes one sample of the tree under `rootPid` into `peak` ({ sum, single } in KiB). */
function sampleTree(rootPid, peak) {
  const pending = [rootPid];
  let sum = 0;
  while (pending.length > 0) {
    const pid = pending.pop();
    const memory = memoryOf(pid);
    if (!memory) continue;
    sum += memory.rss;
    if (memory.hwm > peak.single) peak.single = memory.hwm;
    pending.push(...childrenOf(pid));
  }
  if (sum > peak.sum) peak.sum = sum;
}

// ---------------------------------------------------------------------------------------------
// Running one command.

/**
 * Runs a command once and returns its wall time, its tree's peak RSS, its exit code and the end
 * of its output (shown when it fails).
 */
async function runOnce({ command, args = [], shell = false, env = {}, cwd = ROOT }) {
  const peak = { sum: 0, single: 0 };
  const output = [];
  const keep = (chunk) => {
    output.push(chunk);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  const start = process.hrtime.bigint();
  const child = spawn(command, args, { cwd, shell, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let ended = false;
  let ms = 0;
  let code = 0;
  const closed = new Promise((resolve) => {
    child.on("exit", (exitCode, signal) => {
      ms = Number(process.hrtime.bigint() - start) / 1e6;
      code = signal ? `signal ${signal}` : exitCode;
      ended = true;
    });
    child.on("close", resolve);
    child.on("error", (err) => {
      keep(Buffer.from(String(err)));
      code = "spawn error";
      ended = true;
      resolve();
    });
  });
  if (HAS_PROC) {
    while (!ended) {
      const sampleStart = process.hrtime.bigint();
      sampleTree(child.pid, peak);
      const sampleMs = Number(process.hrtime.bigint() - sampleStart) / 1e6;
      await sleep(Math.max(SAMPLE_MS, SAMPLE_COST_FACTOR * sampleMs));
    }
  }
  await closed;
  const peakKb = HAS_PROC ? Math.max(peak.sum, peak.single) : undefined;
  return { ms, peakKb, code, output: Buffer.concat(output).toString("utf8") };
}

// ---------------------------------------------------------------------------------------------
// Figures.

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mib = (kb) => (kb === undefined ? "n/a" : `${Math.round(kb / 1024)} MiB`);

/** Every figure measured so far, by key. */
const results = {};
let failures = 0;

/**
 * Measures one figure: warm-up runs, then timed runs; prints the median, the spread and the peak
 * RSS. `prepare` runs before each run, outside the timing, and returns extra spec fields and a
 * `cleanup`; `note` reads what the last run left (e.g. the stacks it wrote); `finish` runs once
 * at the end, whatever happened.
 */
async function figure(key, label, spec, { runs = RUNS, warmup = WARMUP, prepare, note, finish } = {}) {
  process.stdout.write(`(${key}) ${label}\n      ${spec.display}\n`);
  const times = [];
  let peakKb;
  let failed;
  let lastNote;
  try {
    for (let i = 0; i < warmup + runs; i++) {
      const extra = prepare ? prepare() : {};
      const run = await runOnce({ ...spec, ...extra, env: { ...spec.env, ...extra.env } });
      if (run.code !== 0) failed = failed || run;
      else if (note) lastNote = note(extra);
      if (extra.cleanup) extra.cleanup();
      if (i < warmup) continue;
      times.push(run.ms);
      if (run.peakKb !== undefined) peakKb = Math.max(peakKb || 0, run.peakKb);
    }
  } finally {
    if (finish) finish();
  }
  const result = { median: median(times), min: Math.min(...times), max: Math.max(...times), peakKb };
  results[key] = result;
  process.stdout.write(
    `      median ${seconds(result.median)}  (min ${seconds(result.min)}, max ${seconds(result.max)}; ` +
      `${runs} run${runs === 1 ? "" : "s"} after ${warmup} warm-up)  peak RSS ${mib(peakKb)}\n`,
  );
  if (lastNote) process.stdout.write(`      ${lastNote}\n`);
  if (failed) {
    failures++;
    const tail = failed.output.trimEnd().split("\n").slice(-15).join("\n        ");
    process.stdout.write(`      !! a run exited with ${failed.code}; its last lines:\n        ${tail}\n`);
  }
  process.stdout.write("\n");
}

// ---------------------------------------------------------------------------------------------
// What is measured.

const APP = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")).app;
const GEN = path.join(ROOT, ".gen", "bench");
let scratch;

/** What must be undone however the bench ends (Ctrl-C included). */
const onExit = [
  () => fs.rmSync(GEN, { recursive: true, force: true }),
  () => scratch && fs.rmSync(scratch, { recursive: true, force: true }),
];
const undo = () => {
  for (const step of onExit) step();
};

/** The environment `cdktf synth` gives the app command (cdktf-cli 0.21.0 sets the heap size). */
function appEnv(outdir) {
  const env = { CDKTF_OUTDIR: outdir, CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true" };
  if (!process.env.NODE_OPTIONS) env.NODE_OPTIONS = "--max-old-space-size=4096";
  return env;
}

/** A fresh directory in the scratch space, and a cleanup that removes it. */
function freshDir(prefix) {
  const dir = fs.mkdtempSync(path.join(scratch, prefix));
  // Enterable by every user, as /tmp is: the real-program suite's nginx runs its workers unprivileged.
  fs.chmodSync(dir, 0o711);
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The stacks a synth wrote, from its manifest, as a note for the report. */
function stacksNote(outdir) {
  const file = path.join(outdir, "manifest.json");
  if (!fs.existsSync(file)) return "!! no manifest.json written";
  const stacks = Object.keys(JSON.parse(fs.readFileSync(file, "utf8")).stacks);
  return `synthesized ${stacks.length} stacks: ${stacks.join(", ")}`;
}

/** One synth run's output directory and environment. */
function synthRun(extraEnv = {}) {
  const { dir, cleanup } = freshDir("out-");
  return { outdir: dir, env: { ...appEnv(dir), ...extraEnv }, cleanup };
}

/** tsc's incremental build info, from tsconfig.json (undefined when tsc is not incremental). */
function tsBuildInfoFile() {
  const ts = require("typescript");
  const file = path.join(ROOT, "tsconfig.json");
  const { config } = ts.readConfigFile(file, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config || {}, ts.sys, ROOT);
  if (!options.incremental && !options.composite) return undefined;
  return options.tsBuildInfoFile ? path.resolve(ROOT, options.tsBuildInfoFile) : path.join(ROOT, "tsconfig.tsbuildinfo");
}

/**
 * Cold `npm test` runs, as on a fresh clone or in CI: jest gets an empty cache (a fresh TMPDIR)
 * and tsc no build info (the user's is set aside, and put back by `finish`).
 */
function coldTests() {
  const buildInfo = tsBuildInfoFile();
  const saved = buildInfo && `${buildInfo}.bench-saved`;
  // Left by an interrupted bench: the user's, to put back.
  let setAside = Boolean(saved && fs.existsSync(saved));
  const finish = () => {
    if (!setAside) return;
    fs.renameSync(saved, buildInfo);
    setAside = false;
  };
  onExit.push(finish);
  return {
    prepare() {
      if (buildInfo && fs.existsSync(buildInfo)) {
        if (setAside) {
          fs.rmSync(buildInfo);
        } else {
          fs.renameSync(buildInfo, saved);
          setAside = true;
        }
      }
      return freshTmp();
    },
    finish,
  };
}

/** A fresh TMPDIR for one run: jest's cache lives under it, so jest starts with none. */
function freshTmp() {
  const { dir, cleanup } = freshDir("tmp-");
  return { env: { TMPDIR: dir }, cleanup };
}

/**
 * The template's defaults on the project's files: the project's compiler options with
 * isolatedModules off (type-checking, as the template's tsconfig), and a jest configuration that
 * keeps only what finding and running the tests needs (roots, matchers, environment) and uses the
 * ts-jest preset, with none of this project's tuning (workers, stack traces).
 */
function writeTemplateConfigs() {
  fs.mkdirSync(GEN, { recursive: true });
  const tsconfig = path.join(GEN, "tsconfig.template.json");
  const template = {
    extends: path.relative(GEN, path.join(ROOT, "tsconfig.json")),
    compilerOptions: { isolatedModules: false, incremental: false },
  };
  fs.writeFileSync(tsconfig, `${JSON.stringify(template, null, 2)}\n`);
  const jestConfig = path.join(GEN, "jest.template.config.cjs");
  fs.writeFileSync(
    jestConfig,
    [
      "// Written by scripts/bench.cjs (and removed after it): the template's ts-jest preset on this project's tests.",
      `const base = require(${JSON.stringify(path.join(ROOT, "jest.config.js"))});`,
      "module.exports = {",
      `  rootDir: ${JSON.stringify(ROOT)},`,
      "  roots: base.roots,",
      "  testMatch: base.testMatch,",
      "  testEnvironment: base.testEnvironment,",
      "  moduleFileExtensions: base.moduleFileExtensions,",
      "  moduleNameMapper: base.moduleNameMapper,",
      '  setupFilesAfterEnv: (base.setupFilesAfterEnv || []).filter((file) => !file.endsWith("stack-traces.ts")),',
      '  preset: "ts-jest",',
      `  transform: { "^.+\\\\.tsx?$": ["ts-jest", { tsconfig: ${JSON.stringify(tsconfig)}, isolatedModules: false }] },`,
      "};",
      "",
    ].join("\n"),
  );
  return { tsconfig, jestConfig };
}

const FIGURES = {
  a: () =>
    figure("a", "floor: Node.js loading cdktf", {
      command: process.execPath,
      args: ["-e", "require('cdktf')"],
      display: `node -e "require('cdktf')"`,
    }),
  b: () =>
    figure(
      "b",
      "the app command from cdktf.json, every example stack",
      { command: APP, shell: true, display: `${APP}   (in the environment cdktf synth gives it)` },
      { prepare: () => synthRun(), note: (run) => stacksNote(run.outdir) },
    ),
  c: () =>
    figure(
      "c",
      "npx cdktf synth, end to end",
      { command: "npx", args: ["cdktf", "synth"], display: "npx cdktf synth --output <temp dir>   (CHECKPOINT_DISABLE=1, as in CI)" },
      {
        prepare: () => {
          const run = synthRun({ CHECKPOINT_DISABLE: process.env.CHECKPOINT_DISABLE || "1" });
          // The CLI sets the app's environment itself.
          return { ...run, args: ["cdktf", "synth", "--output", run.outdir], env: { CHECKPOINT_DISABLE: run.env.CHECKPOINT_DISABLE } };
        },
        note: (run) => stacksNote(run.outdir),
      },
    ),
  d: () =>
    figure(
      "d",
      "npm test, cold: type-check, lint and every test",
      { command: "npm", args: ["test", "--silent"], env: { CI: "true" }, display: "npm test   (CI=true; no jest cache, no tsc build info: a fresh clone, or CI)" },
      { runs: TEST_RUNS, ...coldTests() },
    ),
  d2: () =>
    figure(
      "d2",
      "npm test, warm: the edit-and-test loop",
      { command: "npm", args: ["test", "--silent"], env: { CI: "true" }, display: "npm test   (CI=true; jest cache and tsc build info kept from the run before)" },
      { runs: TEST_RUNS },
    ),
  e: () => {
    const { tsconfig } = writeTemplateConfigs();
    return figure(
      "e",
      "template synth: type-checking ts-node main.ts",
      {
        command: process.execPath,
        args: [path.join(ROOT, "node_modules", "ts-node", "dist", "bin.js"), "main.ts"],
        display: `ts-node main.ts   (TS_NODE_PROJECT=${path.relative(ROOT, tsconfig)}: isolatedModules off; without npx's own ~0.4 s)`,
      },
      { prepare: () => synthRun({ TS_NODE_PROJECT: tsconfig }), note: (run) => stacksNote(run.outdir) },
    );
  },
  f: () => {
    const { jestConfig } = writeTemplateConfigs();
    return figure(
      "f",
      "template tests: jest with the type-checking ts-jest preset",
      {
        command: process.execPath,
        args: [path.join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--config", jestConfig],
        env: { CI: "true" },
        display: `jest --config ${path.relative(ROOT, jestConfig)}   (preset ts-jest, isolatedModules off, Jest's default workers; CI=true, no jest cache)`,
      },
      { runs: TEMPLATE_TEST_RUNS, prepare: freshTmp },
    );
  },
  g: () =>
    figure(
      "g",
      "npm run test:real: the real-program suite",
      {
        command: "npm",
        args: ["run", "test:real", "--silent"],
        env: { CI: "true" },
        display: "npm run test:real   (CI=true; no jest cache; the programs and charts from the environment, as .ci/run sets them)",
      },
      { runs: REAL_RUNS, warmup: 0, prepare: freshTmp },
    ),
};

/** Prints one ratio of medians, when both figures were measured. */
function ratio(label, numerator, denominator, target) {
  const a = results[numerator];
  const b = results[denominator];
  if (!a || !b) return;
  process.stdout.write(`  ${label.padEnd(38)} ${(a.median / b.median).toFixed(2)}x   (target ${target})\n`);
}

/** Prints whether a target was met, when its figure was measured. */
function target(label, key, met) {
  if (results[key]) process.stdout.write(`  ${label.padEnd(38)} ${met(results[key]) ? "met" : "NOT met"}\n`);
}

async function main() {
  const named = process.argv.slice(2);
  const unknown = named.filter((key) => !FIGURES[key]);
  if (unknown.length > 0) {
    process.stderr.write(`unknown figure(s) ${unknown.join(", ")}: choose from ${Object.keys(FIGURES).join(", ")}\n`);
    process.exit(2);
  }
  const keys = named.length > 0 ? named : Object.keys(FIGURES);
  const cpus = os.cpus();
  process.stdout.write(
    `Benchmark: Node.js ${process.version}, ${cpus.length} x ${cpus[0] ? cpus[0].model.trim() : "cpu"}, ` +
      `load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}\n` +
      `runs: ${RUNS} (npm test: ${TEST_RUNS}, template tests: ${TEMPLATE_TEST_RUNS}, real suite: ${REAL_RUNS}), warm-up: ${WARMUP}; ` +
      "set BENCH_RUNS, BENCH_TEST_RUNS, BENCH_TEMPLATE_TEST_RUNS, BENCH_REAL_RUNS, BENCH_WARMUP to change\n\n",
  );
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "loki-bench-"));
  fs.chmodSync(scratch, 0o711);
  process.once("SIGINT", () => {
    undo();
    process.exit(130);
  });
  const started = Date.now();
  try {
    for (const key of keys) await FIGURES[key]();
  } finally {
    undo();
  }
  process.stdout.write("Ratios of medians\n");
  ratio("app / floor (b / a)", "b", "a", "<= 3x");
  ratio("template synth / app (e / b)", "e", "b", ">= 5x");
  ratio("template tests / npm test (f / d)", "f", "d", ">= 5x");
  process.stdout.write("\nTargets\n");
  target("app within 3x the floor", "b", (r) => results.a && r.median <= 3 * results.a.median);
  target("npx cdktf synth < 2 s", "c", (r) => r.median < 2000);
  target("npm test (cold) < 20 s", "d", (r) => r.median < 20000);
  target("npm test (cold) peak RSS < 1 GiB", "d", (r) => r.peakKb !== undefined && r.peakKb < 1024 * 1024);
  target("npm test (warm) < 20 s", "d2", (r) => r.median < 20000);
  target("npm test (warm) peak RSS < 1 GiB", "d2", (r) => r.peakKb !== undefined && r.peakKb < 1024 * 1024);
  target("npm run test:real < 4 min", "g", (r) => r.median < 4 * 60 * 1000);
  process.stdout.write(
    `\n${Math.round((Date.now() - started) / 1000)} s in all; load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
  );
  if (failures > 0) {
    process.stdout.write(`${failures} figure(s) had a failing run: see "!!" above.\n`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
