/**
 * Every row of the real-program table (real/support/variants.ts: the example stacks and one variant per option, at
 * each chart version) rendered by the real chart of its version and verified by the real Loki of that version; every
 * rendered object checked against the Kubernetes schemas; and the names two parts must agree on read from the render
 * and compared with what the stack uses. Each row is synthesized, rendered and verified once; rows' programs run side
 * by side (real/support/run-program.ts).
 */
import { parse, stringify } from "yaml";
import { DEFAULT_CHART_VERSION } from "../lib";
import { ruleFiles } from "../lib/loki/rules/alert-rules";
import { SINGLE_TENANT } from "../lib/loki/tenancy";
import { Json } from "../__tests__/support/json";
import { resolvedPolicy, resolveString } from "../__tests__/support/synth";
import { schemaProblems } from "./support/kubernetes-schemas";
import { LokiVerdict, verifyLokiConfigAsync } from "./support/loki";
import { programPath } from "./support/programs";
import { clusterApiVersions, lokiConfigYaml, ofKind, Rendered, renderLokiAsync } from "./support/render";
import { RealStack, realStack } from "./support/stacks";
import { CHART_VERSIONS, REAL_ROWS, REAL_VARIANTS, RealRow } from "./support/variants";
import { versionPrograms } from "./support/versions";
import { configMapMounts, containers, flagValue, lokiPods, lokiTarget, PodTemplate, podTemplates, reach, Reached, serviceAccountOf, serviceHost } from "./support/wiring";

/** What the real programs said about one row. */
interface Checked {
  readonly stack: RealStack;
  readonly rendered: Rendered;
  /** The Loki config the chart rendered; absent when the render failed. */
  readonly config?: Json;
  /** The Loki of the chart's version on that config. */
  readonly verdict?: LokiVerdict;
  /** The same Loki on the config with each tenant's runtime overrides as its limits (rows with tenantLimits). */
  readonly overrideVerdicts: Readonly<Record<string, LokiVerdict>>;
}

/**
 * The runtime config's per-tenant limits, written over the config's `limits_config` for one tenant. Loki reads the
 * runtime config only once it runs (`-verify-config` does not open it), into the same limits type with the same byte
 * size and duration parsing; verifying the config with a tenant's overrides as its limits proves Loki parses them.
 */
function withTenantLimits(config: Json, overrides: Json): string {
  return stringify({ ...config, limits_config: { ...config.limits_config, ...overrides } });
}

/** The runtime config's `overrides`, by tenant, from the render. */
function runtimeOverrides(rendered: Rendered): Readonly<Record<string, Json>> {
  const holder = rendered.objects.find((o) => o.kind === "ConfigMap" && typeof o.data?.["runtime-config.yaml"] === "string");
  if (holder === undefined) return {};
  return ((parse(String(holder.data["runtime-config.yaml"])) ?? {}) as Json).overrides ?? {};
}

/** Synthesizes, renders and verifies one row. */
async function check(row: RealRow): Promise<Checked> {
  const stack = realStack(row.name, row.props, row.id);
  const rendered = await renderLokiAsync(stack, clusterApiVersions(stack));
  if (rendered.status !== 0) return { stack, rendered, overrideVerdicts: {} };
  const configYaml = lokiConfigYaml(rendered);
  const config = parse(configYaml) as Json;
  const loki = programPath(versionPrograms(stack.release.version).loki);
  const overrides = Object.entries(runtimeOverrides(rendered));
  const [verdict, ...tenantVerdicts] = await Promise.all([
    verifyLokiConfigAsync(loki, configYaml),
    ...overrides.map(([, limits]) => verifyLokiConfigAsync(loki, withTenantLimits(config, limits))),
  ]);
  return { stack, rendered, config, verdict, overrideVerdicts: Object.fromEntries(overrides.map(([tenant], i) => [tenant, tenantVerdicts[i]])) };
}

const checks = new Map<string, Promise<Checked>>();

beforeAll(async () => {
  for (const row of REAL_ROWS) {
    const checked = check(row);
    // Awaited by the row's tests; marked handled here so that a failure fails those tests, not the worker.
    checked.catch(() => undefined);
    checks.set(row.name, checked);
    // Let the row's programs start before the next row is synthesized in this thread.
    await new Promise((resolve) => setImmediate(resolve));
  }
});

test("given the table, then every example stack is in it, at every chart version, and the default version is one of them", () => {
  expect(CHART_VERSIONS).toContain(DEFAULT_CHART_VERSION);
  expect(REAL_VARIANTS.filter((v) => v.description.startsWith("example stack")).map((v) => v.id)).toEqual(["loki-minio", "loki-s3"]);
  expect(REAL_ROWS).toHaveLength(REAL_VARIANTS.length * CHART_VERSIONS.length);
  expect(REAL_ROWS.map((r) => r.name)).toEqual([...new Set(REAL_ROWS.map((r) => r.name))]);
});

/** The tenant that receives logs, as the programs see it: "fake" when Loki's auth is off, else what Fluent Bit sends. */
function receivingTenant(c: Checked, fluentBitOutput: Json | undefined): string {
  if (c.config?.auth_enabled === false) return SINGLE_TENANT;
  const tenant = fluentBitOutput?.tenant_id;
  if (typeof tenant !== "string" || tenant === "") throw new Error("auth is on, but Fluent Bit sends no tenant_id");
  return tenant;
}

/** The Fluent Bit output that ships to Loki, from the config the stack generates. */
function lokiOutput(stack: RealStack): Json {
  const config = parse(stack.fluentBitConfigYaml ?? "") as Json;
  const outputs = (config?.pipeline?.outputs ?? []) as Json[];
  const loki = outputs.filter((o) => o.name === "loki");
  if (loki.length !== 1) throw new Error(`expected one loki output in the Fluent Bit config, found ${loki.length}`);
  return loki[0];
}

/** The Grafana data source the stack provisions. */
function grafanaDatasource(stack: RealStack): Json {
  const holders = Object.values(stack.json.resource.kubernetes_config_map_v1 ?? {}).filter((c) => c.data?.["loki-datasource.yaml"] !== undefined);
  if (holders.length !== 1) throw new Error(`expected one Grafana data source ConfigMap, found ${holders.length}`);
  const file = parse(resolveString(String(holders[0].data["loki-datasource.yaml"]), stack.json)) as Json;
  return file.datasources[0];
}

/** The row's render; fails with Helm's own words when the chart refused the values. */
function renderOf(c: Checked): Rendered {
  if (c.rendered.status !== 0) throw new Error(`helm template exited with ${c.rendered.status}, so there is nothing to check: ${c.rendered.stderr.trim()}`);
  return c.rendered;
}

/** Fails with why a host and port reach nothing, or returns what they reach. */
function reached(rendered: Rendered, host: string, port: number): Reached {
  const result = reach(rendered, host, port);
  if (typeof result === "string") throw new Error(result);
  return result;
}

describe.each(REAL_ROWS.map((row) => [row.name, row] as const))("%s", (_, row) => {
  let c: Checked;
  beforeAll(async () => {
    c = await (checks.get(row.name) as Promise<Checked>);
  });

  test("given its chart version, then the release deploys it, and the chart, Loki and Fluent Bit of that version run it", () => {
    expect(c.stack.release.version).toBe(row.chartVersion);
    expect(versionPrograms(c.stack.release.version)).toBeDefined();
  });

  test("given its values, when the real chart renders them, then the chart and its own validation accept them", () => {
    const rendered = renderOf(c);
    expect(rendered.status).toBe(0);
    expect(rendered.objects.length).toBeGreaterThan(20);
    expect(ofKind(rendered, "StatefulSet").map((s) => s.metadata.name)).toContain(`${c.stack.stack.names.fullname}-ruler`);
  });

  test("given the config the chart renders, when the Loki of the chart's version verifies it, then Loki accepts it", () => {
    renderOf(c);
    expect(c.verdict).toBeDefined();
    expect(c.verdict?.output).toMatch(/config is valid/);
    expect(c.verdict?.accepted).toBe(true);
  });

  test("given every object the chart renders, then each is valid against the Kubernetes schema of its kind", () => {
    const rendered = renderOf(c);
    expect(rendered.objects.length).toBeGreaterThan(0);
    expect(schemaProblems(rendered.objects)).toEqual([]);
  });

  test("then every Loki pod runs as the service account the stack names, which the chart creates, and the role trusts exactly it", () => {
    const { names } = c.stack.stack;
    const pods = lokiPods(renderOf(c));
    expect(pods.map(lokiTarget).sort()).toEqual(expect.arrayContaining(["compactor", "distributor", "ingester", "querier", "ruler"]));
    for (const pod of pods) expect({ pod: pod.owner.metadata.name, namespace: pod.namespace, serviceAccount: serviceAccountOf(pod) }).toEqual({ pod: pod.owner.metadata.name, namespace: names.namespace, serviceAccount: names.serviceAccountName });
    const accounts = c.rendered.objects.filter((o) => o.kind === "ServiceAccount" && o.metadata.name === names.serviceAccountName && o.metadata.namespace === names.namespace);
    expect(accounts).toHaveLength(1);
    const annotations = (accounts[0].metadata.annotations ?? {}) as Record<string, string>;
    const subject = `system:serviceaccount:${pods[0].namespace}:${serviceAccountOf(pods[0])}`;

    const { json } = c.stack;
    const role = json.resource.aws_iam_role?.loki;
    const association = Object.values(json.resource.aws_eks_pod_identity_association ?? {});
    if (row.props.storage === "minio") {
      // MinIO mode: no AWS identity at all.
      expect(role).toBeUndefined();
      expect(annotations["eks.amazonaws.com/role-arn"]).toBeUndefined();
    } else if (row.props.identity === "pod-identity") {
      expect(association).toHaveLength(1);
      expect({ namespace: association[0].namespace, serviceAccount: association[0].service_account }).toEqual({ namespace: pods[0].namespace, serviceAccount: serviceAccountOf(pods[0]) });
      expect(annotations["eks.amazonaws.com/role-arn"]).toBeUndefined();
    } else {
      expect(association).toHaveLength(0);
      expect(annotations["eks.amazonaws.com/role-arn"]).toBe(resolveString("${aws_iam_role.loki.arn}", json));
      const trust = resolvedPolicy(String(role.assume_role_policy), json);
      const conditions = trust.Statement[0].Condition.StringEquals as Record<string, string>;
      const subKeys = Object.keys(conditions).filter((k) => k.endsWith(":sub"));
      expect(subKeys).toHaveLength(1);
      expect(conditions[subKeys[0]]).toBe(subject);
    }
  });

  test("then Fluent Bit pushes to the distributor: the host and port it names are a Service the chart renders, routing to the distributor pods", () => {
    const output = lokiOutput(c.stack);
    const port = Number(output.port);
    const { service, pods } = reached(renderOf(c), String(output.host), port);
    expect(service.metadata.name).toBe(`${c.stack.stack.names.fullname}-distributor`);
    expect(pods.map(lokiTarget)).toEqual(["distributor"]);
    expect(output.uri).toBe("/loki/api/v1/push");
    expect({ host: output.host, port }).toEqual({ host: c.stack.stack.names.distributorHost, port: c.stack.stack.names.distributorPort });
  });

  test("then Grafana's data source and the canary use the gateway: the Service and port the chart renders, routing to the gateway, with the tenant that receives logs", () => {
    const tenant = receivingTenant(c, lokiOutput(c.stack));
    const datasource = grafanaDatasource(c.stack);
    const url = new URL(String(datasource.url));
    const gateway = reached(renderOf(c), url.hostname, Number(url.port || 80));
    expect(gateway.service.metadata.name).toBe(`${c.stack.stack.names.fullname}-gateway`);
    // The gateway runs nginx (and, from chart 18, an access-log exporter beside it), not a Loki component.
    expect(gateway.pods).toHaveLength(1);
    expect(containers(gateway.pods[0]).map((ct) => ct.name)).toContain("nginx");
    expect(containers(gateway.pods[0]).filter((ct) => /\/loki:/.test(String(ct.image)))).toEqual([]);

    const canaries = podTemplates(c.rendered).flatMap((p) => containers(p).filter((ct) => /loki-canary/.test(ct.image)));
    expect(canaries).toHaveLength(1);
    const [host, port] = String(flagValue(canaries[0], "addr")).split(/:(?=\d+$)/);
    expect(serviceHost(host)).toEqual(serviceHost(url.hostname));
    expect(reached(c.rendered, host, Number(port)).service).toBe(gateway.service);

    if (c.config?.auth_enabled === false) {
      expect(datasource.jsonData?.httpHeaderName1).toBeUndefined();
    } else {
      expect({ header: datasource.jsonData?.httpHeaderName1, tenant: datasource.secureJsonData?.httpHeaderValue1 }).toEqual({ header: "X-Scope-OrgID", tenant });
      expect(flagValue(canaries[0], "tenant-id")).toBe(tenant);
    }
  });

  test("then the stack's rule files are mounted where the ruler's local storage reads them, under the tenant that receives logs, and nowhere else", () => {
    const tenant = receivingTenant(c, lokiOutput(c.stack));
    renderOf(c);
    const storage = c.config?.ruler?.storage;
    expect(storage?.type).toBe("local");
    const directory = String(storage?.local?.directory);
    const rulers = lokiPods(c.rendered).filter((p) => lokiTarget(p) === "ruler");
    expect(rulers).toHaveLength(1);
    const ruleMounts = configMapMounts(c.rendered, rulers[0]).filter((m) => m.mountPath.startsWith(`${directory}/`));
    expect(ruleMounts.map((m) => m.mountPath)).toEqual([`${directory}/${tenant}`]);
    expect(ruleMounts[0].configMap?.data).toEqual(ruleFiles(row.props.ruleGroups ?? []));
  });

  test("then the pods the standalone chart's default jobs must scrape carry its annotations at a port they declare, no Service does, and with kube-prometheus-stack no pod does", () => {
    const rendered = renderOf(c);
    const annotationsOf = (pod: PodTemplate) => (pod.owner.spec.template.metadata?.annotations ?? {}) as Record<string, string>;
    const workloads = podTemplates(rendered).filter((p) => p.owner.kind !== "Pod");
    const scraped = workloads.filter((p) => annotationsOf(p)["prometheus.io/scrape"] === "true");
    expect(ofKind(rendered, "Service").filter((s) => s.metadata.annotations?.["prometheus.io/scrape"] !== undefined)).toEqual([]);
    if (c.stack.stack.settings.monitoring.lokiDiscovery === "service-monitor") {
      expect(scraped).toEqual([]);
      return;
    }
    const component = (p: PodTemplate) => String(p.labels["app.kubernetes.io/component"]);
    const name = (p: PodTemplate) => p.owner.metadata.name;
    // Every workload running a Loki component (each zone's ingesters too), the canary and both caches' exporters; not the gateway (nginx exports nothing).
    const expected = [...lokiPods(rendered), ...workloads.filter((p) => ["canary", "memcached-chunks-cache", "memcached-results-cache"].includes(component(p)))];
    expect(scraped.map(name).sort()).toEqual([...new Set(expected.map(name))].sort());
    expect(new Set(scraped.map(component))).toEqual(new Set([...lokiPods(rendered).map(component), "canary", "memcached-chunks-cache", "memcached-results-cache"]));
    for (const pod of scraped) {
      const { "prometheus.io/port": port, "prometheus.io/path": path } = annotationsOf(pod);
      const declared = containers(pod).flatMap((ct) => (ct.ports ?? []) as Json[]).filter((p) => String(p.containerPort) === port);
      expect([pod.owner.metadata.name, declared.map((p) => p.name), path]).toEqual([pod.owner.metadata.name, ["http-metrics"], "/metrics"]);
    }
  });

  if (row.props.tenantLimits !== undefined) {
    test("given each tenant's limits in the runtime config, when Loki reads them as limits, then it accepts every one", () => {
      renderOf(c);
      expect(Object.keys(c.overrideVerdicts).sort()).toEqual(Object.keys(row.props.tenantLimits ?? {}).sort());
      for (const [tenant, verdict] of Object.entries(c.overrideVerdicts)) expect({ tenant, accepted: verdict.accepted, output: verdict.output }).toEqual({ tenant, accepted: true, output: expect.stringMatching(/config is valid/) });
    });
  }
});
