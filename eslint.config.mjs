// @ts-check
// Lint configuration: ESLint's and typescript-eslint's recommended rules, without
// type-aware rules so `eslint .` stays a few seconds, plus one project rule that keeps
// provider imports per resource.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

/**
 * Matches the root of a prebuilt provider package (or its `lib` index), which loads every
 * resource the provider has. `@cdktf/provider-aws/lib/s3-bucket` and the like stay allowed.
 */
export const PROVIDER_ROOT_IMPORT = "^@cdktf/provider-(aws|helm|kubernetes|random)(/lib(/index(\\.js)?)?)?/?$";

/** Why the provider roots are off limits; printed with every finding. */
export const PROVIDER_ROOT_MESSAGE =
  "Import the resource's own module instead, e.g. '@cdktf/provider-aws/lib/s3-bucket'. " +
  "The package root loads every resource of the provider: for the AWS provider about 7x the load time and 8x the memory of one resource module (3 s and 560 MB against 0.4 s and 65 MB), on every synth and test run.";

/** Node's globals, for the scripts and config files written as CommonJS. */
const NODE_GLOBALS = /** @type {const} */ ({
  require: "readonly",
  module: "writable",
  exports: "writable",
  __dirname: "readonly",
  __filename: "readonly",
  process: "readonly",
  console: "readonly",
  Buffer: "readonly",
  URL: "readonly",
  URLSearchParams: "readonly",
  TextEncoder: "readonly",
  TextDecoder: "readonly",
  AbortController: "readonly",
  performance: "readonly",
  fetch: "readonly",
  structuredClone: "readonly",
  queueMicrotask: "readonly",
  setTimeout: "readonly",
  clearTimeout: "readonly",
  setInterval: "readonly",
  clearInterval: "readonly",
  setImmediate: "readonly",
  clearImmediate: "readonly",
});

export default defineConfig([
  globalIgnores(["node_modules/", "cdktf.out/", ".gen/", "coverage/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: NODE_GLOBALS },
    rules: {
      // CommonJS files load their dependencies with require by definition.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: PROVIDER_ROOT_IMPORT, message: PROVIDER_ROOT_MESSAGE }] }],
    },
  },
]);
