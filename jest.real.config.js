/**
 * The real-program suite (`npm run test:real`): the stacks rendered by the real chart and run by the real Loki,
 * Fluent Bit, Prometheus tools, Alertmanager and nginx, each taken from an environment variable (real/support/programs.ts).
 * Not part of `npm test`, which needs nothing but Node.
 * @type {import('jest').Config}
 */
const base = require("./jest.config");

/** The ES modules the suite loads (the Kubernetes schema validators and what they import), transpiled to CommonJS. */
const ESM_PACKAGES = ["kubernetes-models", "@kubernetes-models", "is-cidr", "cidr-regex"];

module.exports = {
  ...base,
  roots: ["<rootDir>/real"],
  testMatch: ["**/*.test.ts"],
  transform: {
    ...base.transform,
    "^.+\\.js$": ["@swc/jest", { jsc: { parser: { syntax: "ecmascript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join("|")})/)`],
  resolver: "<rootDir>/real/support/esm-resolver.cjs",
  // Programs start and stop here: every test sets its own generous timeout as well.
  testTimeout: 300_000,
  // Three workers on 2 cores: each suite file starts its programs once, and the end-to-end files spend most of their
  // time waiting on them (an alert's `for`, an outage, a flush), about half the suite's wall time with two workers.
  maxWorkers: 3,
  workerIdleMemoryLimit: undefined,
};
