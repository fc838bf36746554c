/** The real Loki's verdict on a config. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram } from "./run-program";

/** What `loki -verify-config` said. */
export interface LokiVerdict {
  /** True when Loki parsed and validated the config (exit status 0). */
  readonly accepted: boolean;
  /** Loki's own output, for the failure message. */
  readonly output: string;
}

/** Runs `loki -config.file=<config> -verify-config`: Loki parses and validates the config, then exits. */
export function verifyLokiConfig(lokiBin: string, configYaml: string): LokiVerdict {
  const dir = mkdtempSync(join(tmpdir(), "loki-verify-"));
  try {
    const file = join(dir, "config.yaml");
    writeFileSync(file, configYaml);
    const run = spawnSync(lokiBin, [`-config.file=${file}`, "-verify-config"], { encoding: "utf8", timeout: 120_000 });
    if (run.error) throw run.error;
    return { accepted: run.status === 0, output: `${run.stderr}${run.stdout}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** verifyLokiConfig without blocking the worker (real/support/run-program.ts). */
export async function verifyLokiConfigAsync(lokiBin: string, configYaml: string): Promise<LokiVerdict> {
  const dir = mkdtempSync(join(tmpdir(), "loki-verify-"));
  try {
    const file = join(dir, "config.yaml");
    writeFileSync(file, configYaml);
    const run = await runProgram(lokiBin, [`-config.file=${file}`, "-verify-config"]);
    return { accepted: run.status === 0, output: `${run.stderr}${run.stdout}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
