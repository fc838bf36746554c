/**
 * Real programs started by an end-to-end test file: each writes its output to a log file in the run's temp root, and
 * every program a file starts is stopped in its afterAll, whether the tests passed or not.
 */
import { ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";

/**
 * Time limits sized for a loaded 2-core machine running another suite beside this one: a program that is ready in
 * 15 s when the machine is idle may need several times that.
 */
export const E2E_TIMEOUTS = {
  /** A program answers its readiness check (Loki's ingester alone waits 15 s before it reports ready). */
  readyMs: 150_000,
  /** A program exits after SIGTERM before it is killed. */
  stopMs: 45_000,
  /** Lines written to a container log arrive in Loki. */
  arriveMs: 150_000,
  /** A test of a running pipeline, beyond the waits above. */
  testMs: 300_000,
} as const;

/** One started program. */
export class Program {
  private readonly child: ChildProcess;
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private error?: Error;
  private readonly exited: Promise<void>;

  /** Starts `bin args...` with its stdout and stderr appended to `logFile`. */
  constructor(
    readonly name: string,
    readonly bin: string,
    readonly args: readonly string[],
    readonly logFile: string,
    cwd?: string,
    env?: Readonly<Record<string, string>>,
  ) {
    const log = openSync(logFile, "a");
    try {
      this.child = spawn(bin, [...args], { stdio: ["ignore", log, log], cwd, env: env ? { ...process.env, ...env } : undefined });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      this.child.once("error", (error) => {
        this.exit = { code: null, signal: null };
        this.error = error;
        resolve();
      });
    });
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /** How it ended, for messages. */
  get status(): string {
    if (this.error) return `failed to start: ${this.error.message}`;
    if (this.exit === undefined) return "running";
    return this.exit.signal ? `killed by ${this.exit.signal}` : `exited with status ${this.exit.code}`;
  }

  /** Its whole log so far. */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
  }

  /** The last lines of its log, for failure messages. */
  logTail(lines = 40): string {
    return existsSync(this.logFile) ? this.log().split("\n").slice(-lines).join("\n") : "(no log)";
  }

  /** Resolves when the process has exited. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return done;
  }

  /** SIGTERM, then SIGKILL when it has not exited in time. */
  async stop(timeoutMs: number = E2E_TIMEOUTS.stopMs): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    if (await this.waitForExit(timeoutMs)) return;
    this.child.kill("SIGKILL");
    await this.waitForExit(timeoutMs);
  }

  /** SIGKILL now, without waiting: for a worker that is going away. */
  killNow(): void {
    if (this.running) this.child.kill("SIGKILL");
  }
}

/** Every program a test file starts, so that its afterAll stops them all. */
export class Programs {
  private readonly started: Program[] = [];
  private readonly onExit = () => this.started.forEach((p) => p.killNow());

  constructor() {
    // A worker that exits without running afterAll (a crash, a forced exit) still takes its programs with it.
    process.once("exit", this.onExit);
  }

  /** Starts a program and keeps it for stopAll; `env` is added to this process's environment. */
  start(name: string, bin: string, args: readonly string[], logFile: string, cwd?: string, env?: Readonly<Record<string, string>>): Program {
    const program = new Program(name, bin, args, logFile, cwd, env);
    this.started.push(program);
    return program;
  }

  /**
   * Stops every program: by name, the name started last first (Fluent Bit before the Loki it flushes to), and the
   * programs of one name side by side.
   */
  async stopAll(): Promise<void> {
    const names = [...new Set(this.started.map((p) => p.name))].reverse();
    for (const name of names) await Promise.all(this.started.filter((p) => p.name === name).map((p) => p.stop()));
    this.started.length = 0;
    process.removeListener("exit", this.onExit);
  }
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns a value (not undefined) or the time is up; then fails with `what` and the
 * programs' log tails. A probe that throws counts as not yet.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: { timeoutMs: number; intervalMs?: number; programs?: readonly Program[] }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "";
  for (;;) {
    for (const program of options.programs ?? []) {
      if (!program.running) throw new Error(`${what}: ${program.name} ${program.status}\n--- ${program.name} log ---\n${program.logTail()}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const logs = (options.programs ?? []).map((p) => `--- ${p.name} log ---\n${p.logTail()}`).join("\n");
      throw new Error(`${what}: not within ${options.timeoutMs / 1000} s${last ? ` (last error: ${last})` : ""}\n${logs}`);
    }
    await sleep(options.intervalMs ?? 500);
  }
}

/** `fetch` with a timeout; returns status and body text. */
export async function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text() };
}

/** POSTs a JSON body with a timeout; returns status and body text. */
export async function httpPostJson(url: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, body: await response.text() };
}
