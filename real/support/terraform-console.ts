/**
 * The real `terraform console` (`TERRAFORM_BIN`; no providers needed), evaluating the stack's plan-time conditions
 * against simulated API objects held in `locals`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROCESS_TIMEOUT_MS } from "../../__tests__/support/processes";
import { programPath } from "./programs";

/**
 * Evaluates every expression (a condition as the stack writes it, `${...}` stripped, its data source references
 * pointed at `local.*`) in one console, in a directory whose only content is a `locals` block; returns their values.
 */
export function consoleValues(locals: Readonly<Record<string, unknown>>, expressions: readonly string[]): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), "loki-console-"));
  try {
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ locals }));
    const result = spawnSync(programPath("terraform"), ["console"], {
      cwd: dir,
      input: `jsonencode([${expressions.join(", ")}])\n`,
      encoding: "utf8",
      // A hung process must not hang the suite: a synchronous spawn holds Jest's own timer.
      timeout: PROCESS_TIMEOUT_MS,
      env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" },
    });
    if (result.status !== 0) throw new Error(`terraform console failed: ${result.stderr}`);
    return JSON.parse(JSON.parse(result.stdout.trim()) as string) as unknown[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A condition as the stack writes it (`${...}`), as an expression the console evaluates. */
export function unwrapCondition(condition: string): string {
  return condition.replace(/^\$\{([\s\S]*)\}$/, "$1");
}
