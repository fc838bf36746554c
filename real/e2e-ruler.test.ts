/**
 * The ruler, end to end: a real Loki (the stack's version, -target=all, the chart's config with the listed overlay)
 * loads the rule files the chart renders, mounted as the chart mounts them, under the stack's tenant; the example
 * alert fires on pushed lines and reaches a real Alertmanager, whose API lists it. Every stack runs at once.
 */
import { basename } from "node:path";
import { parse } from "yaml";
import { Json } from "../__tests__/support/json";
import { FLUENT_BIT_JOB } from "../lib/fluent-bit/config";
import { alertsOf, startAlertmanager } from "./support/e2e/alertmanager";
import { LokiClient, mountedFiles, prepareLoki, PreparedLoki, startLoki } from "./support/e2e/loki";
import { absolutePaths } from "./support/e2e/overlay";
import { E2eFile } from "./support/e2e/harness";
import { E2E_TIMEOUTS, Program, waitFor } from "./support/e2e/processes";
import { LaptopSite } from "./support/e2e/site";
import { E2E_STACKS, E2eStack, e2eStack } from "./support/e2e/stacks";

jest.setTimeout(E2E_TIMEOUTS.testMs);

/** The example alert of the example stacks (EXAMPLE_RULE_GROUPS), as the chart renders it. */
const EXAMPLE_ALERT_EXPR = 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9';
/** The stream the example alert's lines arrive in, labelled as the agents label it. */
const ARGOCD_STREAM = { job: FLUENT_BIT_JOB, namespace: "argocd", container: "argocd-server", app: "argocd-server" };
/** Lines that match the example alert: more than 9 in 5 minutes. */
const ERROR_LINES = 12;

/**
 * Absolute paths Loki fills in by default that stay outside the temp root, each for a component the stacks run
 * without (so nothing is written there).
 */
const UNUSED_DEFAULT_PATHS: Readonly<Record<string, string>> = {
  "bloom_build.planner.queue.tasks_disk_directory": "bloom building is off (bloom_build.enabled: false)",
};

/** The rule files the chart renders for the stack's tenant: file name -> groups. */
function renderedRuleFiles(stack: E2eStack, prepared: PreparedLoki): Record<string, Json[]> {
  const rulesDir = (parse(prepared.generatedYaml) as Json).ruler.storage.local.directory as string;
  const files = [...mountedFiles(stack.rendered)].filter(([path]) => path.startsWith(`${rulesDir}/${stack.tenant}/`));
  return Object.fromEntries(files.map(([path, content]) => [basename(path), (parse(content) as Json).groups as Json[]]));
}

interface RulerRun {
  readonly site: LaptopSite;
  readonly prepared: PreparedLoki;
  readonly client: LokiClient;
  /** Loki and Alertmanager: a wait fails early, with their logs, when one of them has stopped. */
  readonly programs: readonly Program[];
}

const stacks = E2E_STACKS.map(e2eStack);
const file = new E2eFile<RulerRun>("ruler");

beforeAll(
  () =>
    file.startAll(stacks, async (stack) => {
      const site = await file.site();
      const prepared = prepareLoki(site, stack);
      const alertmanager = await startAlertmanager(file.programs, site);
      const loki = await startLoki(file.programs, prepared);
      const client = new LokiClient(site.ports.lokiHttp);
      // The example alert's lines, pushed as soon as Loki is ready: the rule's `for: 1m` starts counting then.
      const now = Date.now();
      const values = Array.from({ length: ERROR_LINES }, (_, i) => [`${now - (ERROR_LINES - i) * 1000}000000`, `level=error msg="sync failed" app=guestbook attempt=${i}`] as const);
      await client.push([{ stream: ARGOCD_STREAM, values }], prepared.tenant);
      return { site, prepared, client, programs: [loki, alertmanager] };
    }),
  E2E_TIMEOUTS.testMs,
);
afterAll(() => file.cleanup(), E2E_TIMEOUTS.testMs);

describe.each(stacks.map((s) => [s.description, s] as const))("ruler: %s", (_, stack) => {
  const run = () => file.run(stack);

  test("given the rule files the chart renders, when the real Loki loads them under the stack's tenant, then its rules API lists them as rendered", async () => {
    const { client, prepared } = await run();
    const expected = renderedRuleFiles(stack, prepared);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const listed = await client.ruleFiles(prepared.tenant);
    expect(listed.status).toBe(200);
    expect(listed.files).toEqual(expected);
  });

  test("given the loaded rules, when the ruler evaluates them, then every rule is healthy and none reports an error", async () => {
    const { client, prepared, programs: running } = await run();
    const rules = await waitFor(
      "every rule evaluated",
      async () => {
        const groups = (await client.ruleStates(prepared.tenant)).data.groups as Json[];
        const all = groups.flatMap((g) => g.rules as Json[]);
        return all.length > 0 && all.every((r) => r.health !== "unknown") ? all : undefined;
      },
      { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 2_000, programs: running },
    );
    expect(rules.map((r) => ({ name: r.name, health: r.health, lastError: r.lastError }))).toEqual(rules.map((r) => ({ name: r.name, health: "ok", lastError: "" })));
  });

  if (stack.authEnabled) {
    test("given auth on, when another tenant asks for its rules, then the ruler runs none for it: the rules live under the stack's tenant only", async () => {
      const { client, prepared } = await run();
      expect(((await client.ruleStates(prepared.tenant)).data.groups as Json[]).length).toBeGreaterThan(0);
      expect((await client.ruleStates("fake")).data.groups).toEqual([]);
    });
  }

  test("given more than 9 error lines from argocd, when the example alert fires, then the real Alertmanager holds it with the rule's labels and annotations", async () => {
    const { site, prepared, programs: running } = await run();
    const rule = Object.values(renderedRuleFiles(stack, prepared))
      .flat()
      .flatMap((g) => g.rules as Json[])
      .find((r) => r.expr === EXAMPLE_ALERT_EXPR);
    expect(rule).toBeDefined();
    const alert = await waitFor(
      `alert ${rule?.alert} in Alertmanager`,
      async () => (await alertsOf(site)).find((a) => a.labels.alertname === rule?.alert),
      { timeoutMs: E2E_TIMEOUTS.testMs - 60_000, intervalMs: 2_000, programs: running },
    );
    // The alert carries the rule's labels and the stream labels of the lines that tripped it.
    expect(alert.labels).toMatchObject({ alertname: rule?.alert, ...rule?.labels, ...ARGOCD_STREAM });
    expect(alert.annotations).toEqual(rule?.annotations);
    expect(alert.status.state).toBe("active");
  });

  test("given the running Loki, then every path in its effective config lies under the run's temp root, but for components it runs without", async () => {
    const { client, site } = await run();
    const effective = parse(await client.config());
    const outside = absolutePaths(effective).filter((p) => !site.contains(p.value) && UNUSED_DEFAULT_PATHS[p.path] === undefined);
    expect(outside).toEqual([]);
  });
});
