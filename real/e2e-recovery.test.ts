/**
 * No line lost across a Loki outage inside the recovery window (README "Recovery window"): with the real Fluent Bit and
 * Loki of each stack's version, Loki is stopped (SIGTERM, as a rollout stops it), lines keep being written, Loki comes
 * back with the same data directory, and every line is in Loki exactly once. Every stack runs at once; each stack's
 * outage happens in beforeAll and its tests read what happened.
 */
import { TYPICAL_KUBERNETES } from "../lib/fluent-bit/lines";
import { ContainerLog, fluentBitMetrics, PodMeta, prepareFluentBit, startFluentBit } from "./support/e2e/fluent-bit";
import { E2eFile } from "./support/e2e/harness";
import { LokiClient, prepareLoki, startLoki } from "./support/e2e/loki";
import { E2E_TIMEOUTS, sleep, waitFor } from "./support/e2e/processes";
import { E2E_STACKS, e2eStack } from "./support/e2e/stacks";

jest.setTimeout(E2E_TIMEOUTS.testMs);

/** The recovery window the README promises: every line buffered up to an hour before Loki comes back is accepted. */
const RECOVERY_WINDOW_MS = 60 * 60 * 1000;
const POD = TYPICAL_KUBERNETES as unknown as PodMeta;
const BEFORE = 5;
const DURING = 10;
const AFTER = 5;
const TOTAL = BEFORE + DURING + AFTER;

/** A line with its sequence number, easy to find and count. */
const line = (seq: number, phase: string) => `seq=${seq} phase=${phase} order accepted`;

/** The sum of a counter's series in Fluent Bit's Prometheus text. */
function counter(metrics: string, name: string): number {
  return metrics
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.trim().split(/\s+/).pop()), 0);
}

/**
 * The most times one chunk failed to flush, from the agent's log: Fluent Bit's engine warns "failed to flush chunk
 * '<name>', retry in N seconds" at each failed attempt that it will retry (src/flb_engine.c, 4.0.1 and 5.1.1).
 */
function maxFailedFlushes(log: string): number {
  const perChunk = new Map<string, number>();
  for (const match of log.matchAll(/failed to flush chunk '([^']+)'/g)) perChunk.set(match[1], (perChunk.get(match[1]) ?? 0) + 1);
  return Math.max(0, ...perChunk.values());
}

interface Outcome {
  /** Each line's sequence number as Loki returns them. */
  readonly seqs: readonly number[];
  readonly outageMs: number;
  readonly retriesDuringOutage: number;
  readonly retriesFailed: number;
  readonly dropped: number;
}

const stacks = E2E_STACKS.map(e2eStack);
const file = new E2eFile<Outcome>("recovery");

beforeAll(
  () =>
    file.startAll(stacks, async (stack) => {
      const startedMs = Date.now() - 60_000;
      const site = await file.site();
      const loki = prepareLoki(site, stack);
      const agent = prepareFluentBit(site, stack);
      const client = new LokiClient(site.ports.lokiHttp);
      let lokiProgram = await startLoki(file.programs, loki);
      const agentProgram = await startFluentBit(file.programs, agent);
      const log = new ContainerLog(agent, POD);
      const seqsInLoki = async () =>
        (await client.query(`{namespace="${POD.namespace_name}"} |= "seq="`, startedMs, Date.now() + 60_000, loki.tenant)).map((e) => Number(/seq=(\d+)/.exec(e.line)?.[1]));

      // Lines flow before the outage.
      log.write(Array.from({ length: BEFORE }, (_, i) => line(i + 1, "before")));
      await waitFor("the lines before the outage in Loki", async () => ((await seqsInLoki()).length >= BEFORE ? true : undefined), {
        timeoutMs: E2E_TIMEOUTS.arriveMs,
        programs: [lokiProgram, agentProgram],
      });
      const retriesBefore = counter(await fluentBitMetrics(site), "fluentbit_output_retries_total");

      // Loki goes away; the application keeps logging, one line every half second.
      const outageStart = Date.now();
      await lokiProgram.stop();
      for (let i = 0; i < DURING; i++) {
        log.write([line(BEFORE + i + 1, "during")]);
        await sleep(500);
      }
      // Loki stays down until a chunk has failed a retry as well as its first flush: an agent with a retry limit of
      // one would drop it there, so the outage outlasts more than one attempt.
      const during = await waitFor(
        "a chunk failing its first retry while Loki is down",
        async () => {
          const log = agentProgram.log();
          if (/cannot be retried/.test(log)) return "dropped";
          return maxFailedFlushes(log) >= 2 ? "retrying" : undefined;
        },
        { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs: [agentProgram] },
      );
      if (during === "dropped") throw new Error(`the agent gave up on a chunk while Loki was down:\n${agentProgram.logTail()}`);
      const retriesDuringOutage = counter(await fluentBitMetrics(site), "fluentbit_output_retries_total") - retriesBefore;

      // Loki comes back on the same data directory and ports; new lines follow.
      lokiProgram = await startLoki(file.programs, loki);
      const outageMs = Date.now() - outageStart;
      log.write(Array.from({ length: AFTER }, (_, i) => line(BEFORE + DURING + i + 1, "after")));
      const seqs = await waitFor(
        `all ${TOTAL} lines in Loki after the outage`,
        async () => {
          const found = await seqsInLoki();
          return new Set(found).size >= TOTAL ? found : undefined;
        },
        { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs: [lokiProgram, agentProgram] },
      );
      const metrics = await fluentBitMetrics(site);
      return {
        seqs,
        outageMs,
        retriesDuringOutage,
        retriesFailed: counter(metrics, "fluentbit_output_retries_failed_total"),
        dropped: counter(metrics, "fluentbit_output_dropped_records_total"),
      };
    }),
  E2E_TIMEOUTS.testMs,
);
afterAll(() => file.cleanup(), E2E_TIMEOUTS.testMs);

describe.each(stacks.map((s) => [s.description, s] as const))("recovery across a Loki restart: %s", (_, stack) => {
  test("given Loki stopped while lines are written, when it comes back inside the recovery window, then every line is in Loki exactly once", async () => {
    const outcome = await file.run(stack);
    expect(outcome.outageMs).toBeLessThan(RECOVERY_WINDOW_MS);
    expect([...outcome.seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
  });

  test("given the outage, then the agent retried the lines it could not deliver and dropped none", async () => {
    const outcome = await file.run(stack);
    expect(outcome.retriesDuringOutage).toBeGreaterThan(0);
    expect(outcome.retriesFailed).toBe(0);
    expect(outcome.dropped).toBe(0);
  });
});
