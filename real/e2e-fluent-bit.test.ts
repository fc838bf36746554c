/**
 * The agents' pipeline, end to end: CRI lines written to container log files, as kubelet writes them, go through the
 * real Fluent Bit of the stack's version with the config the stack generates (and the listed overlay) into the real
 * Loki of that version, and are read back from Loki's HTTP API: stream labels, structured metadata, tenant, and the
 * stored line itself. Every stack runs at once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { Json } from "../__tests__/support/json";
import { one } from "../__tests__/support/synth";
import { FLUENT_BIT_JOB, FluentBitConfig, shapeOf } from "../lib/fluent-bit/config";
import { lineBytes, storedLine, TYPICAL_KUBERNETES, TYPICAL_LINES } from "../lib/fluent-bit/lines";
import { ContainerLog, PodMeta, prepareFluentBit, startFluentBit } from "./support/e2e/fluent-bit";
import { E2eFile } from "./support/e2e/harness";
import { LokiClient, LokiEntry, prepareLoki, startLoki } from "./support/e2e/loki";
import { E2E_TIMEOUTS, httpGet, Program, waitFor } from "./support/e2e/processes";
import { LOOPBACK } from "./support/e2e/site";
import { E2E_STACKS, E2eStack, e2eStack } from "./support/e2e/stacks";

jest.setTimeout(E2E_TIMEOUTS.testMs);

/** The typical pod of lib/fluent-bit/lines.ts, as the API would return it. */
const CHECKOUT = TYPICAL_KUBERNETES as unknown as PodMeta;
/** Plain lines besides the typical ones, written before and after the agent starts. */
const EARLY = ["GET /healthz 200 1ms", "cache warmed in 812 ms"];
const LATE = ["GET /cart 200 12ms", "order 81725 accepted in 38 ms"];
/** Labels Loki adds on its own (discover_service_name in Loki 3): not the agent's. */
const LOKI_OWN_LABELS = ["service_name"];
/** Structured metadata Loki adds on its own (discover_log_levels in Loki 3): not the agent's. */
const LOKI_OWN_METADATA = ["detected_level"];

interface PipelineRun {
  readonly stack: E2eStack;
  readonly client: LokiClient;
  readonly tenant?: string;
  readonly startedMs: number;
  readonly programs: readonly Program[];
  /** The agent's config as the stack generates it. */
  readonly config: FluentBitConfig;
  /** The agent's HTTP server (health and metrics), as its pod's port 2020. */
  readonly agentHttp: string;
}

/** The HTTP paths of the DaemonSet's probes, as the stack's Terraform JSON carries them. */
function probePaths(stack: E2eStack): { readonly liveness: string; readonly readiness: string } {
  const daemonSets = Object.values(stack.real.json.resource.kubernetes_daemon_set_v1 ?? {}) as Json[];
  const container = (one(one(one(daemonSets[0]?.spec)?.template)?.spec)?.container as Json[] | undefined)?.[0];
  const path = (probe: string) => String(one(one(container?.[probe])?.http_get)?.path);
  return { liveness: path("liveness_probe"), readiness: path("readiness_probe") };
}

/** The stored-line size the README's "Lean log lines" table gives for a container line. */
function readmeStoredBytes(log: string): number {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  const section = readme.split("## Lean log lines")[1].split("\n## ")[0];
  const row = section.split("\n").find((line) => line.startsWith("|") && line.includes(`\`${log}\``));
  const stored = row?.split("|").filter((cell) => cell.trim() !== "").pop();
  const bytes = stored?.match(/\((\d+) bytes\)/);
  if (!bytes) throw new Error(`no "Stored now" size for ${log} in the README's Lean log lines table`);
  return Number(bytes[1]);
}

const stacks = E2E_STACKS.map(e2eStack);
const file = new E2eFile<PipelineRun>("fluent-bit");
const expectedLines = [...EARLY, ...TYPICAL_LINES.map((l) => l.log), ...LATE];

beforeAll(
  () =>
    file.startAll(stacks, async (stack) => {
      const startedMs = Date.now() - 60_000;
      const site = await file.site();
      const loki = prepareLoki(site, stack);
      const agent = prepareFluentBit(site, stack);
      const lokiProgram = await startLoki(file.programs, loki);
      const log = new ContainerLog(agent, CHECKOUT);
      // Lines already in the file when the agent first sees it are read from its head (read_from_head).
      log.write(EARLY);
      log.write(TYPICAL_LINES.map((l) => l.log), TYPICAL_LINES[0].stream);
      const agentProgram = await startFluentBit(file.programs, agent);
      log.write(LATE);
      return {
        stack,
        client: new LokiClient(site.ports.lokiHttp),
        tenant: loki.tenant,
        startedMs,
        programs: [lokiProgram, agentProgram],
        config: parse(stack.fluentBitConfigYaml) as FluentBitConfig,
        agentHttp: `http://${LOOPBACK}:${site.ports.fluentBitHttp}`,
      };
    }),
  E2E_TIMEOUTS.testMs,
);
afterAll(() => file.cleanup(), E2E_TIMEOUTS.testMs);

/** Every line of the checkout pod in Loki, once all of them have arrived. */
async function arrived(run: PipelineRun): Promise<LokiEntry[]> {
  return waitFor(
    `${expectedLines.length} lines of ${CHECKOUT.pod_name} in Loki`,
    async () => {
      const entries = await run.client.query(`{namespace="${CHECKOUT.namespace_name}"}`, run.startedMs, Date.now() + 60_000, run.tenant);
      return entries.length >= expectedLines.length ? entries : undefined;
    },
    { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs: run.programs },
  );
}

describe.each(stacks.map((s) => [s.description, s] as const))("Fluent Bit to Loki: %s", (_, stack) => {
  test("given CRI lines in a container's log file, when the agent ships them, then each reaches Loki once, in the order written", async () => {
    const entries = await arrived(await file.run(stack));
    expect(entries.map((e) => e.line)).toEqual(expectedLines);
  });

  test("given the pod's metadata, then every line is in one stream labelled job, namespace, container and app", async () => {
    const entries = await arrived(await file.run(stack));
    const streams = new Set(entries.map((e) => JSON.stringify(e.labels)));
    expect(streams.size).toBe(1);
    const labels = { ...entries[0].labels };
    // Loki 3 adds service_name from the app label; it adds no stream of its own.
    expect(labels.service_name).toBe(CHECKOUT.labels.app);
    for (const key of LOKI_OWN_LABELS) delete labels[key];
    expect(labels).toEqual({ job: FLUENT_BIT_JOB, namespace: CHECKOUT.namespace_name, container: CHECKOUT.container_name, app: CHECKOUT.labels.app });
  });

  test("given the pod's metadata, then every line carries the pod and the node as structured metadata, not as labels", async () => {
    const entries = await arrived(await file.run(stack));
    for (const entry of entries) {
      const metadata = Object.fromEntries(Object.entries(entry.structuredMetadata).filter(([key]) => !LOKI_OWN_METADATA.includes(key)));
      expect(metadata).toEqual({ pod: CHECKOUT.pod_name, node: CHECKOUT.host });
      expect(entry.labels.pod).toBeUndefined();
      expect(entry.labels.node).toBeUndefined();
    }
  });

  if (stack.authEnabled) {
    test("given a tenant, then the lines are found under that tenant only", async () => {
      const run = await file.run(stack);
      expect(run.tenant).toBe(stack.tenant);
      expect((await arrived(run)).length).toBe(expectedLines.length);
      const elsewhere = await run.client.query(`{namespace="${CHECKOUT.namespace_name}"}`, run.startedMs, Date.now() + 60_000, "fake");
      expect(elsewhere).toEqual([]);
    });
  }

  test("given the running agent, then the DaemonSet's readiness probe asks its health check (not a path every version answers alike), and its liveness probe is answered", async () => {
    const run = await file.run(stack);
    await arrived(run);
    const { liveness, readiness } = probePaths(stack);
    expect((await httpGet(`${run.agentHttp}${liveness}`)).status).toBe(200);
    const health = await httpGet(`${run.agentHttp}${readiness}`);
    expect(health.status).toBe(200);
    // 5.1.1's /api/v2/health answers JSON with the counts; 4.0.1's /api/v1/health answers "ok". 4.0.1 answers any
    // other path with its build information and 200, which would never fail a probe.
    expect(health.body.trim() === "ok" || (JSON.parse(health.body) as { status?: string }).status === "ok").toBe(true);
    expect(health.body).not.toContain('"version"');
  });

  test.each(TYPICAL_LINES.map((sample, index) => [sample.log.startsWith("{") ? "JSON" : "plain-text", sample, index] as const))(
    "given a short %s line, then Loki stores it as lean as the README promises: the message only",
    async (_kind, sample, index) => {
      const run = await file.run(stack);
      // Written right after the early lines, in this order (the first test checks the order).
      const stored = (await arrived(run))[EARLY.length + index];
      // What lib/fluent-bit/lines.ts computes from the generated config is what the real programs store.
      expect(stored.line).toBe(storedLine(sample, shapeOf(run.config)));
      expect(stored.line).toBe(sample.log);
      expect(lineBytes(stored.line)).toBe(readmeStoredBytes(sample.log));
    },
  );
});
