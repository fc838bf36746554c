/**
 * Runs a program to completion without blocking the test worker, so that one test file can keep both cores busy:
 * while one program runs, the worker synthesizes the next stack or starts another program. At most
 * PROGRAM_CONCURRENCY run at once per worker.
 */
import { spawn } from "node:child_process";

/** What a program did. */
export interface ProgramRun {
  /** Exit status; 1 when it was killed by a signal or timed out. */
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Programs one worker runs at once: the machine's two cores. */
export const PROGRAM_CONCURRENCY = 2;
/** How long one program may run: generous, for a loaded 2-core machine running another suite beside this one. */
export const PROGRAM_TIMEOUT_MS = 120_000;

let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  if (running >= PROGRAM_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** Runs `bin args...` and resolves with its exit status and output; rejects only when it cannot be started. */
export async function runProgram(bin: string, args: readonly string[], options: { readonly cwd?: string; readonly timeoutMs?: number } = {}): Promise<ProgramRun> {
  const release = await slot();
  try {
    return await new Promise<ProgramRun>((resolve, reject) => {
      const child = spawn(bin, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? PROGRAM_TIMEOUT_MS);
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${bin}: ${err.message}`));
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const err = Buffer.concat(stderr).toString("utf8");
        resolve({
          status: code ?? 1,
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: signal ? `${err}\n${bin} was stopped by ${signal}` : err,
        });
      });
    });
  } finally {
    release();
  }
}
