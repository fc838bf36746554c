/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // Transpile only: one `tsc --noEmit` in `npm test` does the type-checking.
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  // stack-traces.ts first: it must wrap the source-map support Jest has just installed.
  setupFilesAfterEnv: ["<rootDir>/__tests__/stack-traces.ts", "<rootDir>/__tests__/setup.ts"],
  // One output directory for every test app of the run, removed at the end (__tests__/support/outdir-setup.cjs).
  globalSetup: "<rootDir>/__tests__/support/outdir-setup.cjs",
  globalTeardown: "<rootDir>/__tests__/support/outdir-teardown.cjs",
  moduleFileExtensions: ["ts", "js", "json"],
  // Two workers, whatever the machine: both cores of a small runner (Jest's default there is one
  // worker, in band: 15-20% slower), and a memory bound that does not grow with the machine.
  maxWorkers: 2,
  // Each test file loads cdktf and the providers afresh, and a worker's V8 heap keeps growing
  // lazily (400+ MB after ten files, though ~100 MB is live). A worker whose heap in use is
  // above this after a test file is replaced by a fresh one: peak RSS of the suite ~30% lower,
  // for ~0.5 s.
  workerIdleMemoryLimit: "120MB",
};
