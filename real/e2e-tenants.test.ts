/**
 * The agents with several tenants, end to end: CRI lines of pods in each team's namespaces and in namespaces no tenant
 * claims, written side by side, go through the real Fluent Bit of the stack's version (one output per tenant, each
 * authenticated as its tenant) and the real nginx gateway into the real Loki, and are read back from Loki per tenant.
 * Then the gateway goes away while lines keep coming and the agent restarts with its buffer on disk; then a tenant's
 * password changes at the gateway before the agent has it (a rotation). Each tenant's lines must be under that tenant
 * only, each exactly once. Each stack's timeline runs in beforeAll; the tests read what happened.
 */
import bcrypt from "bcryptjs";
import { writeFileSync } from "node:fs";
import { TYPICAL_KUBERNETES } from "../lib/fluent-bit/lines";
import { passwordVariable } from "../lib/fluent-bit/config";
import { ContainerLog, fluentBitMetrics, PodMeta, prepareFluentBit, startFluentBit } from "./support/e2e/fluent-bit";
import { prepareGateway, startGateway } from "./support/e2e/gateway";
import { E2eFile } from "./support/e2e/harness";
import { LokiClient, prepareLoki, startLoki } from "./support/e2e/loki";
import { E2E_TIMEOUTS, Program, sleep, waitFor } from "./support/e2e/processes";
import { e2eStack, TENANT_E2E_STACKS } from "./support/e2e/stacks";
import { TENANTS_PROPS } from "./support/variants";

jest.setTimeout(E2E_TIMEOUTS.testMs);

/** A pod in a namespace, as the API would return it. */
function podIn(namespace: string, name: string, index: number): PodMeta {
  const base = TYPICAL_KUBERNETES as unknown as PodMeta;
  const id = `${index}`.padStart(2, "0");
  return {
    ...base,
    pod_name: `${name}-7c9f8d6b5d-x2x${id}`,
    namespace_name: namespace,
    pod_id: `3f1c2b4e-9a7d-4c1e-8b2a-5d6e7f8a9b${id}`,
    labels: { app: name },
    container_name: name,
    docker_id: `${id}`.repeat(32),
  };
}

/** The pods written to: each team's namespaces, one the platform tenant claims by default, and one created "today". */
const TEAM_NAMESPACES = Object.fromEntries(Object.entries(TENANTS_PROPS.tenants ?? {}).map(([tenant, t]) => [tenant, t.namespaces]));
const UNCLAIMED = ["kube-system", "brand-new"];
const PODS = [...Object.values(TEAM_NAMESPACES).flat(), ...UNCLAIMED].map((ns, i) => podIn(ns, `app-${ns}`, i));
const line = (pod: PodMeta, phase: string, seq: number) => `ns=${pod.namespace_name} phase=${phase} seq=${seq}`;

/** The phases of the timeline, each with the lines it writes per pod. */
const PHASES = { before: 3, running: 3, "gateway-down": 4, "after-restart": 2, rotated: 3 } as const;
type Phase = keyof typeof PHASES;

interface Timeline {
  /** The lines Loki holds under each tenant, in the end. */
  readonly byTenant: Readonly<Record<string, readonly string[]>>;
  /** Chunks the agent failed to flush while the gateway was down, and with the old password. */
  readonly failedFlushesWhileDown: number;
  readonly unauthorizedWhileRotating: number;
  /** Records the agent dropped or gave up on, over the whole timeline. */
  readonly dropped: number;
  readonly retriesFailed: number;
  /** The tenants the stack has. */
  readonly tenants: readonly string[];
  readonly platform: string;
}

/** The sum of a counter's series in Fluent Bit's Prometheus text. */
function counter(metrics: string, name: string): number {
  return metrics
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.trim().split(/\s+/).pop()), 0);
}

const stacks = TENANT_E2E_STACKS.map(e2eStack);
const file = new E2eFile<Timeline>("tenants");

beforeAll(
  () =>
    file.startAll(stacks, async (stack) => {
      const startedMs = Date.now() - 60_000;
      const site = await file.site();
      const loki = prepareLoki(site, stack);
      const gateway = prepareGateway(site, stack);
      const agent = prepareFluentBit(site, stack);
      const client = new LokiClient(site.ports.lokiHttp);
      const lokiProgram = await startLoki(file.programs, loki);
      let gatewayProgram = await startGateway(file.programs, gateway);
      const logs = PODS.map((pod) => new ContainerLog(agent, pod));
      /** Writes each phase's lines, the pods interleaved line by line, as busy pods on one node write them. */
      const write = (phase: Phase) => {
        for (let seq = 1; seq <= PHASES[phase]; seq++) for (const log of logs) log.write([line(log.pod, phase, seq)]);
      };
      const inLoki = async () => {
        const entries = await Promise.all(stack.tenants.map((t) => client.query(`{job="fluent-bit"}`, startedMs, Date.now() + 60_000, t)));
        return Object.fromEntries(stack.tenants.map((t, i) => [t, entries[i].map((e) => e.line)]));
      };
      // The agent's counters restart with it: summed over each run of it.
      let dropped = 0;
      let retriesFailed = 0;
      const tally = async () => {
        const metrics = await fluentBitMetrics(site);
        dropped += counter(metrics, "fluentbit_output_dropped_records_total");
        retriesFailed += counter(metrics, "fluentbit_output_retries_failed_total");
      };
      const total = (phases: readonly Phase[]) => phases.reduce((n, p) => n + PHASES[p], 0) * PODS.length;
      const arrived = (phases: readonly Phase[], programs: readonly Program[]) =>
        waitFor(
          `the lines of ${phases.join(", ")} in Loki`,
          async () => {
            const now = await inLoki();
            return Object.values(now).reduce((n, lines) => n + lines.length, 0) >= total(phases) ? now : undefined;
          },
          { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs },
        );

      // Mixed namespaces, side by side: some lines are in the files before the agent starts, some after.
      write("before");
      let agentProgram = await startFluentBit(file.programs, agent);
      write("running");
      await arrived(["before", "running"], [lokiProgram, gatewayProgram, agentProgram]);

      // The gateway goes away; lines keep coming; the agent fails to flush, is killed (as an OOM kill or a node's reboot
      // kills it, with no grace to flush) and restarts with its buffer on disk.
      await gatewayProgram.stop();
      write("gateway-down");
      const failed = await waitFor(
        "the agent failing to flush to the stopped gateway",
        async () => {
          const n = (agentProgram.log().match(/failed to flush chunk/g) ?? []).length;
          return n >= 2 ? n : undefined;
        },
        { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs: [agentProgram] },
      );
      await tally();
      agentProgram.killNow();
      await agentProgram.waitForExit(E2E_TIMEOUTS.stopMs);
      agentProgram = await startFluentBit(file.programs, agent);
      gatewayProgram = await startGateway(file.programs, gateway);
      write("after-restart");
      await arrived(["before", "running", "gateway-down", "after-restart"], [lokiProgram, gatewayProgram, agentProgram]);

      // A rotation: the gateway gets a team's new password first; the agent, still on the old one, is refused (401)
      // and retries; it gets the new password with its restart (SIGTERM, as the rollout of the DaemonSet stops it), and
      // the refused lines go out.
      const [team] = stack.tenants.filter((t) => t !== stack.tenant);
      const rotated = `${stack.passwords[team]}rotated`;
      const htpasswd = gateway.htpasswd.replace(new RegExp(`^${team}:.*$`, "m"), `${team}:${bcrypt.hashSync(rotated, 10)}`);
      writeFileSync(site.hostPath("/etc/nginx/secrets/.htpasswd"), htpasswd);
      write("rotated");
      const unauthorized = await waitFor(
        `the agent refused as ${team} with the old password`,
        async () => {
          const n = (agentProgram.log().match(/HTTP status=401/g) ?? []).length;
          return n >= 2 ? n : undefined;
        },
        { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs: [agentProgram] },
      );
      await sleep(1_000);
      await tally();
      await agentProgram.stop();
      agentProgram = await startFluentBit(file.programs, { ...agent, env: { ...agent.env, [passwordVariable(team)]: rotated } });
      const byTenant = await arrived(Object.keys(PHASES) as Phase[], [lokiProgram, gatewayProgram, agentProgram]);
      await tally();
      return {
        byTenant,
        failedFlushesWhileDown: failed,
        unauthorizedWhileRotating: unauthorized,
        dropped,
        retriesFailed,
        tenants: stack.tenants,
        platform: stack.tenant,
      };
    }),
  E2E_TIMEOUTS.testMs * 2,
);
afterAll(() => file.cleanup(), E2E_TIMEOUTS.testMs);

/** Every line written to a namespace over the whole timeline, sorted. */
function linesOf(namespaces: readonly string[]): string[] {
  return PODS.filter((p) => namespaces.includes(p.namespace_name))
    .flatMap((pod) => (Object.entries(PHASES) as [Phase, number][]).flatMap(([phase, n]) => Array.from({ length: n }, (_, i) => line(pod, phase, i + 1))))
    .sort();
}

describe.each(stacks.map((s) => [s.description, s] as const))("the agents with several tenants: %s", (_, stack) => {
  test("given lines of every team's namespaces written side by side, then each team's lines are found under its tenant, once each, and under no other", async () => {
    const timeline = await file.run(stack);
    for (const [tenant, namespaces] of Object.entries(TEAM_NAMESPACES)) {
      expect([tenant, [...timeline.byTenant[tenant]].sort()]).toEqual([tenant, linesOf(namespaces)]);
    }
  });

  test("given lines of namespaces no tenant claims (the cluster's own, one created after the stack), then they are found under the platform tenant, and only there", async () => {
    const timeline = await file.run(stack);
    expect(Object.keys(TEAM_NAMESPACES)).not.toContain(timeline.platform);
    expect([...timeline.byTenant[timeline.platform]].sort()).toEqual(linesOf(UNCLAIMED));
    const everywhere = Object.values(timeline.byTenant).flat();
    expect(everywhere).toHaveLength(linesOf(PODS.map((p) => p.namespace_name)).length);
  });

  test("given the gateway down while lines keep coming, and the agent killed and restarted with its buffer, then it retried and every line arrived once", async () => {
    const timeline = await file.run(stack);
    expect(timeline.failedFlushesWhileDown).toBeGreaterThanOrEqual(2);
    const all = Object.values(timeline.byTenant).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((l) => l.includes("phase=gateway-down"))).toHaveLength(PHASES["gateway-down"] * PODS.length);
  });

  test("given a tenant's password changed at the gateway before the agent has it, then the agent is refused (401), retries, and delivers once it has the new one: nothing is dropped", async () => {
    const timeline = await file.run(stack);
    expect(timeline.unauthorizedWhileRotating).toBeGreaterThanOrEqual(2);
    expect(Object.values(timeline.byTenant).flat().filter((l) => l.includes("phase=rotated"))).toHaveLength(PHASES.rotated * PODS.length);
    expect(timeline.dropped).toBe(0);
    expect(timeline.retriesFailed).toBe(0);
  });
});
