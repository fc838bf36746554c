import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { ESLint } from "eslint";
import { PROCESS_TIMEOUT_MS } from "../support/processes";

// This file starts processes: give each test and hook time for a loaded machine.
jest.setTimeout(PROCESS_TIMEOUT_MS);

const ROOT = path.resolve(__dirname, "../..");

/** One snippet to lint, as if it were the file `file` of the project. */
interface Snippet {
  readonly code: string;
  readonly file: string;
}

/**
 * Lints snippets with ESLint's Node API and the project's own eslint.config.mjs.
 * ESLint loads its config with a dynamic import(), which Jest's sandbox refuses, so the
 * API runs in one child Node process for the whole batch.
 */
function lintAll(snippets: readonly Snippet[], ignoredPaths: readonly string[]): { results: ESLint.LintResult[]; ignored: boolean[] } {
  const script = `
    const { ESLint } = require("eslint");
    const path = require("node:path");
    (async () => {
      const { snippets, ignoredPaths } = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
      const eslint = new ESLint({ cwd: process.cwd() });
      const results = [];
      for (const s of snippets) results.push((await eslint.lintText(s.code, { filePath: path.resolve(s.file) }))[0]);
      const ignored = [];
      for (const p of ignoredPaths) ignored.push(await eslint.isPathIgnored(path.resolve(p)));
      process.stdout.write(JSON.stringify({ results, ignored }));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const out = execFileSync(process.execPath, ["-e", script], { cwd: ROOT, input: JSON.stringify({ snippets, ignoredPaths }), encoding: "utf8" });
  return JSON.parse(out);
}

const restricted = (result: ESLint.LintResult) => result.messages.filter((m) => m.ruleId === "no-restricted-imports");

const ROOT_IMPORTS = [
  'import { S3Bucket } from "@cdktf/provider-aws";',
  'import * as aws from "@cdktf/provider-aws";',
  'import { provider } from "@cdktf/provider-helm";',
  'import { configMapV1 } from "@cdktf/provider-kubernetes";',
  'import { password } from "@cdktf/provider-random";',
  'import { s3Bucket } from "@cdktf/provider-aws/lib";',
  'import { s3Bucket } from "@cdktf/provider-aws/lib/index";',
  'import type { S3Bucket } from "@cdktf/provider-aws";',
  'export { s3Bucket } from "@cdktf/provider-aws";',
];
const PER_RESOURCE = [
  'import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";',
  'import { Release } from "@cdktf/provider-helm/lib/release";',
  'import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";',
  'import { Password } from "@cdktf/provider-random/lib/password";',
  "export { S3Bucket, Release, ConfigMapV1, Password };",
  "",
].join("\n");
const OTHER = {
  testFile: { code: 'import { S3Bucket } from "@cdktf/provider-aws";\nexport { S3Bucket };\n', file: "__tests__/example.test.ts" },
  explicitAny: { code: "export const x: any = 1;\n", file: "lib/example.ts" },
  commonJs: { code: '"use strict";\nconst path = require("node:path");\nmodule.exports = path.join(__dirname, process.cwd(), Buffer.from("x").toString());\n', file: "scripts/example.cjs" },
};
const IGNORED = ["cdktf.out/stacks/x/cdk.tf.json", ".gen/main.app.cjs", "coverage/lcov-report/x.js", "node_modules/x/index.js"];

describe("ESLint configuration", () => {
  let rootImports: ESLint.LintResult[];
  let perResource: ESLint.LintResult;
  let other: Record<keyof typeof OTHER, ESLint.LintResult>;
  let ignored: boolean[];

  beforeAll(() => {
    const snippets = [...ROOT_IMPORTS.map((code) => ({ code: `${code}\n`, file: "lib/example.ts" })), { code: PER_RESOURCE, file: "lib/example.ts" }, ...Object.values(OTHER)];
    const out = lintAll(snippets, [...IGNORED, "lib/loki-stack.ts"]);
    rootImports = out.results.slice(0, ROOT_IMPORTS.length);
    perResource = out.results[ROOT_IMPORTS.length];
    const [testFile, explicitAny, commonJs] = out.results.slice(ROOT_IMPORTS.length + 1);
    other = { testFile, explicitAny, commonJs };
    ignored = out.ignored;
  }, 30_000);

  test.each(ROOT_IMPORTS.map((code, i) => [code, i] as const))("fails when a file imports a provider root: %s", (_code, i) => {
    const findings = restricted(rootImports[i]);
    expect(findings).toHaveLength(1);
    expect(findings[0].severity).toBe(2);
    expect(findings[0].message).toMatch(/Import the resource's own module instead, e\.g\. '@cdktf\/provider-aws\/lib\/s3-bucket'/);
    expect(findings[0].message).toMatch(/loads every resource of the provider/);
  });

  test("given per-resource imports, then lint is silent", () => {
    expect(perResource.messages).toEqual([]);
  });

  test("fails when a test file imports a provider root: the rule covers tests too", () => {
    expect(restricted(other.testFile)).toHaveLength(1);
  });

  test("fails when a TypeScript file uses any, through typescript-eslint's recommended set", () => {
    expect(other.explicitAny.messages.map((m) => m.ruleId)).toContain("@typescript-eslint/no-explicit-any");
  });

  test("given a CommonJS script, then require and Node's globals are accepted", () => {
    expect(other.commonJs.messages).toEqual([]);
  });

  test("given generated output and dependencies, then ESLint ignores them, but not the sources", () => {
    expect(ignored).toEqual([...IGNORED.map(() => true), false]);
  });
});

describe("npm scripts", () => {
  const { scripts } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));

  test("given npm test, then it type-checks, lints and runs the tests, in one command", () => {
    // ESLint caches by file content in .gen/, so an unchanged file is never linted twice.
    expect(scripts.lint).toBe("eslint --cache --cache-strategy content --cache-location .gen/eslintcache .");
    expect(scripts.test).toBe(`tsc --noEmit && ${scripts.lint} && jest`);
  });

  test("given the cdktf commands, then each has its script", () => {
    expect(scripts).toMatchObject({ synth: "cdktf synth", diff: "cdktf diff", deploy: "cdktf deploy", "test:update": "jest --updateSnapshot" });
  });
});
