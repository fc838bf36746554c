/**
 * The standalone prometheus chart sees the platform, proven with the real programs on each chart version: the chart
 * rendered with the values the stack prints for it; its `prometheus.yml` run by the real Prometheus (the listed
 * overlay aside, PROMETHEUS_OVERLAY), whose scrape jobs relabel the `__meta_kubernetes_*` labels of the rendered Loki
 * objects and the stack's Fluent Bit objects and scrape the real Loki and Fluent Bit of that version through a
 * laptop pod network; the rule file loaded from the stack's ConfigMap where the chart mounts it. Then every recording
 * rule and every dashboard query returns series, and every alert is valid and quiet on the healthy pair.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ENVIRONMENTS } from "../environments";
import { DiscoveredPod, endpointSliceTargets, KubeObject, podsOf, podTargets, serviceTargets } from "../__tests__/support/kubernetes-sd";
import { Json } from "../__tests__/support/json";
import { resolveString } from "../__tests__/support/synth";
import { TYPICAL_KUBERNETES } from "../lib/fluent-bit/lines";
import { dashboardExpressions, GrafanaDashboard } from "../lib/monitoring/dashboards";
import { FLUENT_BIT_DASHBOARD_FILE, LOKI_DASHBOARD_FILE } from "../lib/monitoring/monitoring";
import { PLATFORM_RULE_FILE, PLATFORM_RULE_FILE_PATH, RULE_FILE_VALUES_OUTPUT } from "../lib/monitoring/rule-file";
import { ContainerLog, PodMeta, prepareFluentBit, startFluentBit } from "./support/e2e/fluent-bit";
import { E2eFile } from "./support/e2e/harness";
import { LokiClient, lokiContainers, prepareLoki, startLoki } from "./support/e2e/loki";
import { differingPaths, pathText } from "./support/e2e/overlay";
import { E2E_TIMEOUTS, httpPostJson, Program, sleep } from "./support/e2e/processes";
import { freePort } from "./support/e2e/site";
import { E2eStack, e2eStack } from "./support/e2e/stacks";
import { programPath } from "./support/programs";
import {
  configMapFiles,
  forward,
  Forwarder,
  laptopPrometheusYml,
  PrometheusClient,
  PrometheusLaptop,
  PROMETHEUS_OVERLAY,
  renderedPrometheusYml,
  renderPrometheusChart,
  SD_ROLES,
  serverContainer,
  startPrometheus,
  writeDiscovery,
  writePodFiles,
} from "./support/prometheus";
import { Rendered } from "./support/render";
import { runProgram } from "./support/run-program";
import { CHART_VERSIONS } from "./support/variants";

jest.setTimeout(E2E_TIMEOUTS.testMs);

/** The node every pod runs on (one node: each DaemonSet runs one pod). */
const NODE = "ip-10-0-1-23.ap-northeast-1.compute.internal";
/** The fixture the plain tests read the chart's jobs from. */
const PROMETHEUS_YML_FIXTURE = join(__dirname, "..", "__tests__", "fixtures", "prometheus", "prometheus-29.27.0-prometheus.yml");
/** The time Prometheus reports for a target never scraped, or a group never evaluated. */
const NEVER = "0001-01-01T00:00:00Z";
/** How long the healthy pair may take until every series is there, on a loaded machine. */
const SETTLE_MS = 150_000;

/** What Prometheus reported once everything had settled (or the time was up). */
interface Settled {
  readonly targets: Json[];
  readonly groups: Json[];
  readonly alerts: Json[];
  /** Series each recording rule's name and each dashboard query return. */
  readonly series: ReadonlyMap<string, number>;
}

interface ScrapeRun {
  readonly stack: E2eStack;
  readonly render: Rendered;
  readonly renderedYml: string;
  readonly laptopYml: string;
  readonly laptop: PrometheusLaptop;
  /** Every pod of the render and the agents, with the address the laptop pod network gave it. */
  readonly pods: readonly DiscoveredPod[];
  /** The pods a program runs behind: Loki's and the agents'. */
  readonly served: ReadonlySet<string>;
  readonly ruleFileName: string;
  readonly ruleFile: Json;
  readonly dashboards: readonly GrafanaDashboard[];
  readonly promtoolConfig: { status: number; output: string };
  readonly promtoolRules: { status: number; output: string };
  readonly settled: Settled;
  readonly programs: readonly Program[];
}

/** A Terraform JSON attribute as Terraform would apply it. */
const applied = (stack: E2eStack, text: unknown): string => resolveString(String(text), stack.real.json);

/** The agents' DaemonSet and Service as the Kubernetes API holds them, from the blocks Terraform applies. */
function fluentBitObjects(stack: E2eStack): KubeObject[] {
  const json = stack.real.json;
  const [daemonSet] = Object.values(json.resource.kubernetes_daemon_set_v1 ?? {}) as Json[];
  const [service] = Object.values(json.resource.kubernetes_service_v1 ?? {}) as Json[];
  const meta = (m: Json) => ({ name: m.name, namespace: applied(stack, m.namespace), labels: m.labels, annotations: m.annotations });
  const template = daemonSet.spec.template;
  return [
    {
      kind: "DaemonSet",
      metadata: meta(daemonSet.metadata),
      spec: {
        selector: { matchLabels: daemonSet.spec.selector.match_labels },
        template: {
          metadata: { labels: template.metadata.labels, annotations: template.metadata.annotations },
          spec: {
            containers: (template.spec.container as Json[]).map((c) => ({
              name: c.name,
              image: c.image,
              ports: ((c.port ?? []) as Json[]).map((p) => ({ name: p.name, containerPort: p.container_port, protocol: p.protocol })),
            })),
          },
        },
      },
    },
    {
      kind: "Service",
      metadata: meta(service.metadata),
      spec: {
        type: service.spec.type,
        selector: service.spec.selector,
        ports: (service.spec.port as Json[]).map((p) => ({ name: p.name, port: p.port, targetPort: p.target_port, protocol: p.protocol })),
      },
    },
  ];
}

/** A laptop address for each pod: 127.<run>.<stack>.<n>, one per pod, so that every target keeps its own instance. */
function podAddresses(stackIndex: number): (pod: Omit<DiscoveredPod, "ip">) => string {
  const run = 64 + (process.pid % 128);
  let next = 0;
  return () => {
    next++;
    return `127.${run}.${stackIndex + 1}.${next}`;
  };
}

/** What a program said, for failure messages. */
const said = (run: { status: number; stdout: string; stderr: string }) => ({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() });

/**
 * Polls Prometheus until every expected series is there and every target has been scraped, or the time is up; then
 * waits until every rule group has been evaluated once more, on that data, and reads the alerts and rules.
 */
async function settle(client: PrometheusClient, expressions: readonly string[], expectedTargets: number, programs: readonly Program[]): Promise<Settled> {
  const deadline = Date.now() + SETTLE_MS;
  const check = () => {
    for (const program of programs) if (!program.running) throw new Error(`${program.name} ${program.status}\n${program.logTail()}`);
  };
  let targets: Json[] = [];
  const series = new Map<string, number>();
  for (;;) {
    check();
    targets = await client.activeTargets();
    for (const expr of expressions) series.set(expr, (await client.query(expr)).length);
    const scraped = targets.filter((t) => t.lastScrape !== NEVER).length;
    if (([...series.values()].every((n) => n > 0) && scraped >= expectedTargets) || Date.now() > deadline) break;
    await sleep(2_000);
  }
  // Every group evaluated after the data was there: the alerts below were decided on it.
  const dataAt = Date.now();
  let groups: Json[] = [];
  for (;;) {
    check();
    groups = await client.ruleGroups();
    if ((groups.length > 0 && groups.every((g) => Date.parse(String(g.lastEvaluation)) > dataAt)) || Date.now() > deadline + 30_000) break;
    await sleep(1_000);
  }
  return { targets, groups, alerts: await client.alerts(), series };
}

const stacks = CHART_VERSIONS.map((version) => e2eStack([`loki-s3 on chart ${version}`, "loki-s3", { ...ENVIRONMENTS["loki-s3"], chartVersion: version }]));
const file = new E2eFile<ScrapeRun>("prometheus");
const forwarders: Forwarder[] = [];
/** The chart's prometheus.yml with its default values, rendered once. */
let defaultYml: Promise<string>;

beforeAll(async () => {
  const dir = (await file.site()).root;
  defaultYml = renderPrometheusChart("{}\n", join(dir, "default")).then((r) => {
    if (r.status !== 0) throw new Error(`the prometheus chart refused its default values: ${r.stderr}`);
    return renderedPrometheusYml(r);
  });
  // Awaited by the test that reads it; a failure is reported there.
  defaultYml.catch(() => undefined);
  await file.startAll(stacks, async (stack) => {
    const site = await file.site();
    const json = stack.real.json;
    const loki = prepareLoki(site, stack);
    const agent = prepareFluentBit(site, stack);
    const lokiProgram = await startLoki(file.programs, loki);
    // A node logs all the time: a line a second from an application, until Prometheus has settled. The log file is
    // there before the agent starts, as a running node's are (the agent looks for new files only every refresh_interval).
    const log = new ContainerLog(agent, TYPICAL_KUBERNETES as unknown as PodMeta);
    let line = 0;
    log.write([`GET /cart 200 ${line}ms`]);
    const agentProgram = await startFluentBit(file.programs, agent);
    const writing = setInterval(() => log.write([`GET /cart 200 ${++line}ms`]), 1_000);

    // The chart, with the values the stack prints for the user's release.
    const values = applied(stack, json.output[RULE_FILE_VALUES_OUTPUT].value);
    const render = await renderPrometheusChart(values, join(site.root, "prometheus-chart"));
    if (render.status !== 0) throw new Error(`the prometheus chart refused the stack's values: ${render.stderr}`);
    const renderedYml = renderedPrometheusYml(render);
    const ruleFileMap = json.resource.kubernetes_config_map_v1.loki_platform_rule_file;
    const ruleFileName = String(ruleFileMap.metadata.name);
    const ruleFileText = applied(stack, ruleFileMap.data[PLATFORM_RULE_FILE]);

    // The laptop pod network: every rendered pod and every agent gets an address; Loki's and the agents' ports
    // lead to the running programs, the canary's and the caches' to nothing (no such program runs here).
    const objects: KubeObject[] = [...stack.rendered.objects, ...fluentBitObjects(stack)];
    const pods = podsOf(objects, { nodes: [NODE], podIp: podAddresses(stacks.indexOf(stack)) });
    const lokiWorkloads = new Set(lokiContainers(stack.rendered).map((c) => c.workload.metadata.name));
    const served = new Set<string>();
    for (const pod of pods) {
      const upstream = lokiWorkloads.has(pod.workload) ? site.ports.lokiHttp : pod.workload === "fluent-bit" ? site.ports.fluentBitHttp : undefined;
      if (upstream === undefined) continue;
      served.add(pod.name);
      // The HTTP port the pod's main container declares: Loki's http-metrics (3100), the agents' http (2020).
      const httpPort = pod.containers.flatMap((c) => c.ports).find((p) => p.name === "http-metrics" || p.name === "http");
      if (httpPort === undefined) throw new Error(`${pod.name} declares no HTTP port`);
      forwarders.push(await forward(pod.ip, httpPort.containerPort, upstream));
    }

    const root = join(site.root, "prometheus");
    const port = await freePort();
    const laptop: PrometheusLaptop = {
      podRoot: join(root, "pod"),
      sdFiles: Object.fromEntries(SD_ROLES.map((role) => [role, join(root, "sd", `${role}.json`)])) as PrometheusLaptop["sdFiles"],
      port,
    };
    writeDiscovery(laptop, { pod: podTargets(pods), endpointslice: endpointSliceTargets(objects, pods), service: serviceTargets(objects), node: [] });
    const { container, volumes } = serverContainer(render);
    writePodFiles(laptop, configMapFiles(render, container, volumes, { [ruleFileName]: { [PLATFORM_RULE_FILE]: ruleFileText } }));
    const laptopYml = laptopPrometheusYml(renderedYml, laptop);
    mkdirSync(root, { recursive: true });
    const configFile = join(root, "prometheus.yml");
    writeFileSync(configFile, laptopYml);
    const ruleFilePath = join(laptop.podRoot, PLATFORM_RULE_FILE_PATH);
    const [promtoolConfig, promtoolRules] = await Promise.all([
      runProgram(programPath("promtool"), ["check", "config", configFile]),
      runProgram(programPath("promtool"), ["check", "rules", ruleFilePath]),
    ]);
    const prometheus = await startPrometheus(file.programs, configFile, join(root, "data"), port, join(site.root, "prometheus.log"));

    // A healthy pair at work: the agents ship, a user queries, and one line is refused for a reason the platform does
    // not alert on (older than reject_old_samples_max_age), so that the discard rate is recorded.
    const client = new LokiClient(site.ports.lokiHttp);
    const tenantHeader: Record<string, string> = loki.tenant ? { "X-Scope-OrgID": loki.tenant } : {};
    const monthAgoNs = `${BigInt(Date.now() - 30 * 24 * 3600 * 1000) * 1_000_000n}`;
    const refused = await httpPostJson(`${client.base}/loki/api/v1/push`, { streams: [{ stream: { job: "replayed" }, values: [[monthAgoNs, "a line from last month"]] }] }, tenantHeader);
    if (refused.status !== 400) throw new Error(`Loki accepted a line from last month: ${refused.status} ${refused.body}`);
    await client.query('{job=~".+"}', Date.now() - 3_600_000, Date.now(), loki.tenant);

    const dashboards = [LOKI_DASHBOARD_FILE, FLUENT_BIT_DASHBOARD_FILE].map((key) => {
      const map = Object.values(json.resource.kubernetes_config_map_v1).find((m) => m.data?.[key] !== undefined);
      if (map === undefined) throw new Error(`${stack.description} delivers no ${key}`);
      return JSON.parse(String(map.data[key])) as GrafanaDashboard;
    });
    const ruleFile = parse(ruleFileText) as Json;
    const records = (ruleFile.groups as Json[]).flatMap((g) => (g.rules as Json[]).filter((r) => r.record).map((r) => String(r.record)));
    const expressions = [...records, ...dashboards.flatMap((d) => dashboardExpressions(d))];
    const expectedTargets = pods.filter((p) => p.annotations["prometheus.io/scrape"] === "true").length + pods.filter((p) => p.workload === "fluent-bit").length;
    const programs = [lokiProgram, agentProgram, prometheus];
    const settled = await settle(new PrometheusClient(port), expressions, expectedTargets, programs).finally(() => clearInterval(writing));
    return {
      stack,
      render,
      renderedYml,
      laptopYml,
      laptop,
      pods,
      served,
      ruleFileName,
      ruleFile,
      dashboards,
      promtoolConfig: said(promtoolConfig),
      promtoolRules: said(promtoolRules),
      settled,
      programs,
    };
  });
}, E2E_TIMEOUTS.testMs);

afterAll(async () => {
  await Promise.all(forwarders.map((f) => f.close()));
  await file.cleanup();
}, E2E_TIMEOUTS.testMs);

test("given the chart's default values, then it renders exactly the prometheus.yml the plain tests read its jobs from", async () => {
  expect(parse(await defaultYml)).toEqual(parse(readFileSync(PROMETHEUS_YML_FIXTURE, "utf8")));
});

describe.each(stacks.map((s) => [s.description, s] as const))("%s with the standalone prometheus chart", (_, stack) => {
  const run = () => file.run(stack);
  const scrapeJob = (t: Json) => String(t.labels.job);

  test("given the values the stack prints, when the chart renders them, then the server and its reloader mount the rule file's ConfigMap, the reloader watches it, and prometheus.yml loads it after the chart's own", async () => {
    const { render, renderedYml, ruleFileName } = await run();
    const { container, volumes } = serverContainer(render);
    const mounted = (c: Json) => (c.volumeMounts as Json[]).filter((m) => volumes.find((v) => v.name === m.name)?.configMap?.name === ruleFileName).map((m) => m.mountPath);
    const reloader = (render.objects.find((o) => o.kind === "Deployment")?.spec.template.spec.containers as Json[]).find((c) => c.name !== container.name) as Json;
    expect(mounted(container)).toEqual(["/etc/loki-platform-rules"]);
    expect(mounted(reloader)).toEqual(["/etc/loki-platform-rules"]);
    expect(reloader.args).toContain("--watched-dir=/etc/loki-platform-rules");
    const rules = parse(renderedYml).rule_files as string[];
    expect(rules[rules.length - 1]).toBe(PLATFORM_RULE_FILE_PATH);
    expect(rules.slice(0, -1)).toEqual(parse(await defaultYml).rule_files);
  });

  test("given the rendered prometheus.yml with the rule file in place, then promtool checks the config and loads every rule of the file, and checks the file alone", async () => {
    const { promtoolConfig, promtoolRules, ruleFile } = await run();
    const rules = (ruleFile.groups as Json[]).flatMap((g) => g.rules as Json[]).length;
    expect(promtoolConfig).toEqual({ status: 0, output: expect.stringMatching(new RegExp(`loki-platform-rules\\.yml\\n\\s+SUCCESS: ${rules} rules found`)) });
    expect(promtoolRules).toEqual({ status: 0, output: expect.stringMatching(new RegExp(`SUCCESS: ${rules} rules found`)) });
  });

  test("given the laptop's Prometheus config, then it differs from the rendered one only where the overlay says", async () => {
    const { renderedYml, laptopYml } = await run();
    const differing = differingPaths(parse(renderedYml), parse(laptopYml)).map(pathText);
    expect(differing.filter((p) => !PROMETHEUS_OVERLAY.some((entry) => entry.paths.test(p)))).toEqual([]);
    // Each entry changes something.
    for (const entry of PROMETHEUS_OVERLAY) expect([entry.why, differing.some((p) => entry.paths.test(p))]).toEqual([entry.why, true]);
    expect(differing.filter((p) => p.endsWith(".kubernetes_sd_configs")).length).toBe((parse(renderedYml).scrape_configs as Json[]).filter((j) => j.kubernetes_sd_configs).length + 1);
  });

  test("given the rendered pods and the agents, then each Loki pod, canary and memcached exporter is one target of kubernetes-pods, and each agent one of kubernetes-service-endpoints, at its metrics port and path", async () => {
    const { pods, settled } = await run();
    const component = (p: DiscoveredPod) => p.labels["app.kubernetes.io/component"] ?? p.labels["app.kubernetes.io/name"];
    // Every pod but the gateway's (nginx exports nothing): the agents by their Service, every other pod by its annotations.
    const expected = pods
      .filter((p) => component(p) !== "gateway")
      .map((p) => {
        const agent = p.workload === "fluent-bit";
        const port = agent ? 2020 : component(p) === "canary" ? 3500 : /cache/.test(component(p)) ? 9150 : 3100;
        return [agent ? "kubernetes-service-endpoints" : "kubernetes-pods", component(p), `http://${p.ip}:${port}${agent ? "/api/v2/metrics/prometheus" : "/metrics"}`];
      });
    const podOf = (t: Json) => pods.find((p) => String(t.labels.instance).startsWith(`${p.ip}:`));
    // The chart's own job that scrapes Prometheus itself aside.
    const found = settled.targets.filter((t) => scrapeJob(t) !== "prometheus").map((t) => [scrapeJob(t), podOf(t) ? component(podOf(t) as DiscoveredPod) : "?", t.scrapeUrl]);
    const sorted = (rows: unknown[][]) => rows.map((r) => r.join(" ")).sort();
    expect(sorted(found)).toEqual(sorted(expected));
    // Every Loki component is there, and each pod once.
    expect(new Set(found.map((r) => r[1]))).toEqual(
      new Set(["compactor", "distributor", "index-gateway", "ingester", "querier", "query-frontend", "query-scheduler", "ruler", "canary", "memcached-chunks-cache", "memcached-results-cache", "fluent-bit"]),
    );
    expect(new Set(found.map((r) => r[2])).size).toBe(found.length);
  });

  test("given the targets, then they carry the labels the Loki dashboard and the rules select: namespace, pod, node and the component; the agents namespace, node and service", async () => {
    const { settled, stack: s } = await run();
    const namespace = s.real.stack.names.namespace;
    for (const t of settled.targets.filter((t) => scrapeJob(t) === "kubernetes-pods")) {
      expect(t.labels).toMatchObject({ namespace, node: NODE, pod: expect.any(String), app_kubernetes_io_component: expect.any(String), app_kubernetes_io_instance: s.real.release.name });
    }
    for (const t of settled.targets.filter((t) => scrapeJob(t) === "kubernetes-service-endpoints")) {
      expect(t.labels).toMatchObject({ namespace: "fluent-bit", node: NODE, service: "fluent-bit" });
    }
  });

  test("given the running Loki and Fluent Bit behind their pods, then those targets are up", async () => {
    const { settled, served, pods } = await run();
    const servedTargets = settled.targets.filter((t) => served.has(String(t.labels.pod ?? pods.find((p) => String(t.labels.instance).startsWith(`${p.ip}:`))?.name)));
    expect(servedTargets.length).toBe(served.size);
    for (const t of servedTargets) expect([t.scrapeUrl, t.health, t.lastError]).toEqual([t.scrapeUrl, "up", ""]);
  });

  test("given the rule file, then Prometheus loaded every group of it from the mounted path, and every rule is healthy", async () => {
    const { settled, ruleFile, laptop } = await run();
    const ruleFilePath = join(laptop.podRoot, PLATFORM_RULE_FILE_PATH);
    const sorted = (rows: string[][]) => rows.map((r) => r.join(" ")).sort();
    expect(sorted(settled.groups.map((g) => [g.name, g.file]))).toEqual(sorted((ruleFile.groups as Json[]).map((g) => [g.name, ruleFilePath])));
    for (const group of settled.groups) {
      expect(group.rules.map((r: Json) => r.name)).toEqual((ruleFile.groups as Json[]).find((g) => g.name === group.name)?.rules.map((r: Json) => r.record ?? r.alert));
      for (const rule of group.rules as Json[]) expect([rule.name, rule.health, rule.lastError ?? ""]).toEqual([rule.name, "ok", ""]);
    }
  });

  test("given the healthy pair, then every recording rule returns series", async () => {
    const { settled, ruleFile } = await run();
    const records = (ruleFile.groups as Json[]).flatMap((g) => (g.rules as Json[]).filter((r) => r.record).map((r) => String(r.record)));
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect([record, (settled.series.get(record) ?? 0) > 0]).toEqual([record, true]);
  });

  test("given the healthy pair, then every query of the Loki and Fluent Bit dashboards returns series", async () => {
    const { settled, dashboards } = await run();
    const exprs = dashboards.flatMap((d) => dashboardExpressions(d));
    expect(exprs.length).toBeGreaterThan(15);
    for (const expr of exprs) expect([expr, (settled.series.get(expr) ?? 0) > 0]).toEqual([expr, true]);
  });

  test("given the healthy pair, then no alert is pending or firing, and every alerting rule is inactive", async () => {
    const { settled } = await run();
    expect(settled.alerts).toEqual([]);
    const alerting = settled.groups.flatMap((g) => (g.rules as Json[]).filter((r) => r.type === "alerting"));
    expect(alerting.length).toBeGreaterThan(10);
    for (const rule of alerting) expect([rule.name, rule.state]).toEqual([rule.name, "inactive"]);
  });
});
