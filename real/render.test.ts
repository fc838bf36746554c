/**
 * Every row of the real-program table (real/support/variants.ts: the example stacks and one variant per option, at
 * each chart version) rendered by the real chart of its version and verified by the real Loki of that version; every
 * rendered object checked against the Kubernetes schemas; and the names two parts must agree on read from the render
 * and compared with what the stack uses. Each row is synthesized, rendered and verified once; rows' programs run side
 * by side (real/support/run-program.ts).
 */
import bcrypt from "bcryptjs";
import { parse, parseAllDocuments, stringify } from "yaml";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CHART_VERSION, kubePrometheusStackFullname } from "../lib";
import { ruleFiles } from "../lib/loki/rules/alert-rules";
import { SINGLE_TENANT } from "../lib/loki/tenancy";
import { Json } from "../__tests__/support/json";
import { one, resolvedPolicy, resolveString } from "../__tests__/support/synth";
import { schemaProblems } from "./support/kubernetes-schemas";
import { LokiVerdict, verifyLokiConfigAsync } from "./support/loki";
import { programPath } from "./support/programs";
import { clusterApiVersions, lokiConfigYaml, ofKind, Rendered, renderLokiAsync } from "./support/render";
import { RealStack, realStack } from "./support/stacks";
import { admits, connects, letsOut, NetworkPolicy, PolicyPod, renderedPods, renderedPolicies, terraformPolicies } from "./support/policies";
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

test("given the table, then every example stack is in it, at every chart version, the default version is one of them, and several tenants run on the default", () => {
  expect(CHART_VERSIONS).toContain(DEFAULT_CHART_VERSION);
  expect(REAL_VARIANTS.filter((v) => v.description.startsWith("example stack")).map((v) => v.id)).toEqual(["loki-minio", "loki-s3"]);
  expect(REAL_ROWS).toHaveLength(REAL_VARIANTS.reduce((n, v) => n + (v.chartVersions ?? CHART_VERSIONS).length, 0));
  expect(REAL_VARIANTS.filter((v) => v.chartVersions === undefined).length).toBeGreaterThan(15);
  expect(REAL_ROWS.filter((r) => r.props.tenants !== undefined).map((r) => r.chartVersion)).toEqual(expect.arrayContaining([DEFAULT_CHART_VERSION]));
  expect(REAL_ROWS.filter((r) => r.props.tenants !== undefined).length).toBeGreaterThanOrEqual(3);
  expect(REAL_ROWS.map((r) => r.name)).toEqual([...new Set(REAL_ROWS.map((r) => r.name))]);
});

/**
 * The tenants that receive logs, as the programs see them: "fake" when Loki's auth is off, else the tenants Fluent Bit
 * pushes as (its one `tenant_id`, or each output's user at the gateway).
 */
function receivingTenants(c: Checked, outputs: readonly Json[]): string[] {
  if (c.config?.auth_enabled === false) return [SINGLE_TENANT];
  const tenants = outputs.map((o) => o.tenant_id ?? o.http_user);
  if (tenants.some((t) => typeof t !== "string" || t === "")) throw new Error("auth is on, but a Fluent Bit output names no tenant");
  return [...tenants].sort();
}

/** The Fluent Bit outputs that ship to Loki, from the config the stack generates. */
function lokiOutputs(stack: RealStack): Json[] {
  const config = parse(stack.fluentBitConfigYaml ?? "") as Json;
  const loki = ((config?.pipeline?.outputs ?? []) as Json[]).filter((o) => o.name === "loki");
  if (loki.length === 0) throw new Error("no loki output in the Fluent Bit config");
  return loki;
}

/** The Grafana data sources the stack provisions (a ConfigMap, or with several tenants a Secret). */
function grafanaDatasources(stack: RealStack): Json[] {
  const holders = [...Object.values(stack.json.resource.kubernetes_config_map_v1 ?? {}), ...Object.values(stack.json.resource.kubernetes_secret_v1 ?? {})].filter(
    (c) => c.data?.["loki-datasource.yaml"] !== undefined,
  );
  if (holders.length !== 1) throw new Error(`expected one Grafana data source ConfigMap or Secret, found ${holders.length}`);
  const file = parse(resolveString(String(holders[0].data["loki-datasource.yaml"]), stack.json)) as Json;
  return file.datasources as Json[];
}

/** Each tenant's password, as the agents read it: the data of their credentials Secret, resolved. */
function tenantPasswords(stack: RealStack): Record<string, string> {
  const secret = Object.values(stack.json.resource.kubernetes_secret_v1 ?? {}).find((s) => one(s.metadata)?.name === "fluent-bit-loki-credentials");
  return Object.fromEntries(Object.entries((secret?.data ?? {}) as Record<string, string>).map(([tenant, value]) => [tenant, resolveString(value, stack.json)]));
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

const prometheusPods = new Map<string, PolicyPod>();
/**
 * The monitoring stack's Prometheus server pod, with the labels its chart really gives it: the standalone chart
 * (PROMETHEUS_CHART_DIR) rendered for the stack's release and namespace; kube-prometheus-stack's pods are the Prometheus
 * Operator's, labelled `app.kubernetes.io/name: prometheus` and `prometheus: <fullname>-prometheus`.
 */
function prometheusServer(stack: RealStack): PolicyPod {
  const monitoring = stack.stack.settings.monitoring.stack;
  const key = `${monitoring.kind}/${monitoring.namespace}/${monitoring.releaseName}`;
  const known = prometheusPods.get(key);
  if (known !== undefined) return known;
  let pod: PolicyPod;
  if (monitoring.kind === "prometheus") {
    const dir = mkdtempSync(join(tmpdir(), "prometheus-render-"));
    try {
      writeFileSync(join(dir, "values.yaml"), "{}\n");
      const run = spawnSync(programPath("helm"), ["template", monitoring.releaseName, programPath("prometheusChart"), "-n", monitoring.namespace, "-f", join(dir, "values.yaml")], { encoding: "utf8", maxBuffer: 64 << 20 });
      if (run.status !== 0) throw new Error(`the prometheus chart did not render: ${run.stderr}`);
      const objects = parseAllDocuments(run.stdout).map((d) => d.toJSON() as Json).filter((o) => o !== null);
      const server = renderedPods(objects, monitoring.namespace).find((p) => p.labels["app.kubernetes.io/component"] === "server" && p.labels["app.kubernetes.io/name"] === "prometheus");
      if (server === undefined) throw new Error("the prometheus chart renders no server");
      pod = server;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const name = `${kubePrometheusStackFullname(monitoring.releaseName)}-prometheus`;
    pod = { name, namespace: monitoring.namespace, labels: { "app.kubernetes.io/name": "prometheus", prometheus: name, "operator.prometheus.io/name": name } };
  }
  prometheusPods.set(key, pod);
  return pod;
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

  test("then Fluent Bit pushes to a Service the chart renders: with one tenant the distributor's, with several the gateway's, as each tenant", () => {
    const outputs = lokiOutputs(c.stack);
    const { names, tenancy } = c.stack.stack;
    for (const output of outputs) {
      const port = Number(output.port);
      const { service, pods } = reached(renderOf(c), String(output.host), port);
      expect(output.uri).toBe("/loki/api/v1/push");
      if (row.props.tenants === undefined) {
        expect(service.metadata.name).toBe(`${names.fullname}-distributor`);
        expect(pods.map(lokiTarget)).toEqual(["distributor"]);
        expect({ host: output.host, port }).toEqual({ host: names.distributorHost, port: names.distributorPort });
      } else {
        // Through the gateway, authenticated as the tenant; the gateway, not the agent, names the tenant to Loki.
        expect(service.metadata.name).toBe(`${names.fullname}-gateway`);
        expect(containers(pods[0]).map((ct) => ct.name)).toContain("nginx");
        expect({ user: output.http_user, password: output.http_passwd, tenantHeader: output.tenant_id }).toEqual({
          user: expect.any(String),
          password: expect.stringMatching(/^\$\{LOKI_PASSWORD_[A-Z0-9_]+\}$/),
          tenantHeader: undefined,
        });
      }
    }
    expect(outputs).toHaveLength(row.props.tenants === undefined ? 1 : tenancy.tenants.length);
    expect(receivingTenants(c, outputs)).toEqual(renderOf(c) && c.config?.auth_enabled === false ? [SINGLE_TENANT] : [...tenancy.tenants]);
  });

  test("then Grafana's data sources and the canary use the gateway: the Service and port the chart renders, routing to the gateway, with the tenants that receive logs", () => {
    const tenants = receivingTenants(c, lokiOutputs(c.stack));
    const datasources = grafanaDatasources(c.stack);
    const datasource = datasources[0];
    const url = new URL(String(datasource.url));
    expect(new Set(datasources.map((d) => d.url))).toEqual(new Set([datasource.url]));
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
    } else if (row.props.tenants === undefined) {
      expect({ header: datasource.jsonData?.httpHeaderName1, tenant: datasource.secureJsonData?.httpHeaderValue1 }).toEqual({ header: "X-Scope-OrgID", tenant: tenants[0] });
      expect(flagValue(canaries[0], "tenant-id")).toBe(tenants[0]);
    } else {
      // One data source per tenant, each authenticated as its tenant with the tenant's password; no tenant header.
      const passwords = tenantPasswords(c.stack);
      expect(datasources.map((d) => d.basicAuthUser).sort()).toEqual(tenants);
      for (const d of datasources) {
        expect({ basicAuth: d.basicAuth, password: d.secureJsonData?.basicAuthPassword, header: d.jsonData?.httpHeaderName1 }).toEqual({ basicAuth: true, password: passwords[d.basicAuthUser], header: undefined });
      }
      // The canary authenticates as the tenant that receives unclaimed namespaces; its password comes from a Secret
      // of the render, through its environment: never in the pod's spec.
      const { tenancy } = c.stack.stack;
      expect({ user: flagValue(canaries[0], "user"), tenant: flagValue(canaries[0], "tenant-id"), pass: flagValue(canaries[0], "pass") }).toEqual({
        user: tenancy.tenant,
        tenant: tenancy.tenant,
        pass: "$(LOKI_CANARY_PASSWORD)",
      });
      const ref = ((canaries[0].env ?? []) as Json[]).find((e) => e.name === "LOKI_CANARY_PASSWORD")?.valueFrom?.secretKeyRef;
      const secret = c.rendered.objects.find((o) => o.kind === "Secret" && o.metadata.name === ref?.name);
      expect(Buffer.from(String(secret?.data?.[ref?.key]), "base64").toString("utf8")).toBe(passwords[tenancy.tenant]);
    }
  });

  if (row.props.tenants !== undefined) {
    test("given several tenants, then the gateway's htpasswd holds each tenant with a bcrypt hash of the password its readers send, and no password", () => {
      const passwords = tenantPasswords(c.stack);
      const secret = c.rendered.objects.find((o) => o.kind === "Secret" && o.metadata.name === `${c.stack.stack.names.fullname}-gateway`);
      const lines = String(secret?.stringData?.[".htpasswd"] ?? "").trim().split("\n");
      const users = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]));
      expect(Object.keys(users).sort()).toEqual([...c.stack.stack.tenancy.tenants]);
      for (const [tenant, hash] of Object.entries(users)) {
        expect({ tenant, bcrypt: /^\$2[aby]\$\d\d\$/.test(hash), verifies: bcrypt.compareSync(passwords[tenant], hash) }).toEqual({ tenant, bcrypt: true, verifies: true });
      }
      expect(c.stack.release.valuesYaml).not.toContain(passwords[c.stack.stack.tenancy.tenants[0]] ?? "(none)");
    });
  }

  test("then the stack's rule files are mounted where the ruler's local storage reads them, under each tenant that receives logs, and nowhere else", () => {
    const tenants = receivingTenants(c, lokiOutputs(c.stack));
    renderOf(c);
    const storage = c.config?.ruler?.storage;
    expect(storage?.type).toBe("local");
    const directory = String(storage?.local?.directory);
    const rulers = lokiPods(c.rendered).filter((p) => lokiTarget(p) === "ruler");
    expect(rulers).toHaveLength(1);
    const ruleMounts = configMapMounts(c.rendered, rulers[0]).filter((m) => m.mountPath.startsWith(`${directory}/`));
    expect(ruleMounts.map((m) => m.mountPath).sort()).toEqual(tenants.map((t) => `${directory}/${t}`));
    const expected = (tenant: string) => {
      if (row.props.tenants === undefined) return ruleFiles(row.props.ruleGroups ?? []);
      const own = row.props.tenants[tenant]?.ruleGroups ?? [];
      return ruleFiles([...(tenant === c.stack.stack.tenancy.tenant ? (row.props.ruleGroups ?? []) : []), ...own]);
    };
    for (const tenant of tenants) expect(ruleMounts.find((m) => m.mountPath === `${directory}/${tenant}`)?.configMap?.data).toEqual(expected(tenant));
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

  const overridden = [...Object.keys(row.props.tenantLimits ?? {}), ...Object.entries(row.props.tenants ?? {}).filter(([, t]) => t.limits !== undefined || t.retentionPeriod !== undefined).map(([n]) => n)];
  if (overridden.length > 0) {
    test("given each tenant's overrides in the runtime config, when Loki reads them as limits, then it accepts every one", () => {
      renderOf(c);
      expect(Object.keys(c.overrideVerdicts).sort()).toEqual([...new Set(overridden)].sort());
      for (const [tenant, verdict] of Object.entries(c.overrideVerdicts)) expect({ tenant, accepted: verdict.accepted, output: verdict.output }).toEqual({ tenant, accepted: true, output: expect.stringMatching(/config is valid/) });
    });
  }

  /** The policies that apply: the render's (the chart's and the release's own) and the stack's own for the agents. */
  function policiesOf(): NetworkPolicy[] {
    const { json, stack } = c.stack;
    return [
      ...renderedPolicies(renderOf(c).objects, stack.names.namespace),
      ...terraformPolicies(json.resource.kubernetes_network_policy_v1 ?? {}, (text) => resolveString(text, json)),
    ];
  }

  if (row.props.networkPolicies?.enabled === false) {
    test("given networkPolicies.enabled false, then neither the release nor the stack creates a NetworkPolicy", () => {
      expect(policiesOf()).toEqual([]);
    });
  } else {
    describe("the NetworkPolicies", () => {
      let policies: NetworkPolicy[];
      let pods: PolicyPod[];
      let peers: Record<string, PolicyPod>;
      beforeAll(() => {
        policies = policiesOf();
        const { stack } = c.stack;
        pods = renderedPods(renderOf(c).objects, stack.names.namespace);
        const fluentBit = stack.settings.fluentBit;
        const grafanaNamespace = stack.settings.monitoring.grafanaNamespace;
        const monitoring = stack.settings.monitoring.stack;
        peers = {
          intruder: { name: "intruder", namespace: "intruder", labels: { app: "curl" } },
          "a pod of Loki's namespace that is not Loki's": { name: "debug", namespace: stack.names.namespace, labels: { app: "debug" } },
          agents: { name: "fluent-bit", namespace: fluentBit?.namespace ?? "fluent-bit", labels: { "app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": "fluent-bit", "app.kubernetes.io/part-of": "loki" } },
          grafana: { name: "grafana", namespace: grafanaNamespace, labels: { "app.kubernetes.io/name": "grafana" } },
          prometheus: prometheusServer(c.stack),
          "another pod of Prometheus' namespace": { name: "pushgateway", namespace: monitoring.namespace, labels: { "app.kubernetes.io/name": "prometheus-pushgateway" } },
          ...Object.fromEntries((row.props.networkPolicies?.gatewayNamespaces ?? []).map((ns) => [`a pod of listed namespace ${ns}`, { name: "client", namespace: ns, labels: { app: "client" } }])),
        };
      });
      const pod = (component: string): PolicyPod => {
        const found = pods.find((p) => p.labels["app.kubernetes.io/component"] === component);
        if (found === undefined) throw new Error(`no ${component} pod in the render`);
        return found;
      };

      test("given every peer, then only the gateway, Loki's own pods and (on the metrics port alone) the Prometheus pods reach the distributor and the query-frontend; the agents reach the distributor only with one tenant", () => {
        const { stack } = c.stack;
        const singleTenant = row.props.tenants === undefined;
        const reachable = (target: PolicyPod, port: number) => Object.entries({ ...peers, gateway: pod("gateway"), querier: pod("querier") }).filter(([, p]) => connects(policies, p, target, port)).map(([n]) => n).sort();
        for (const component of ["distributor", "query-frontend", "ruler", "ingester"]) {
          const target = pod(component);
          const agents = singleTenant && component === "distributor" && stack.settings.fluentBit !== undefined ? ["agents"] : [];
          // The API and metrics port: the gateway, Loki itself, Prometheus (Loki serves /metrics there), and the agents
          // with one tenant; Loki's namespace is one trust boundary, so any pod of it is admitted.
          expect([component, 3100, reachable(target, 3100)]).toEqual([component, 3100, ["a pod of Loki's namespace that is not Loki's", ...agents, "gateway", "prometheus", "querier"].sort()]);
          // gRPC and memberlist: Loki's own namespace only.
          for (const port of [9095, 7946]) expect([component, port, reachable(target, port)]).toEqual([component, port, ["a pod of Loki's namespace that is not Loki's", "gateway", "querier"]]);
        }
      });

      test("given every peer, then the gateway admits the agents', Grafana's, Loki's and the listed namespaces, and nobody else", () => {
        const gateway = pod("gateway");
        const api = (gateway.ports ?? []).find((p) => p.name === "http" || p.name === "http-metrics");
        const port = api?.containerPort as number;
        const { settings, names } = c.stack.stack;
        const clients = new Set([names.namespace, ...(settings.fluentBit ? [settings.fluentBit.namespace] : []), ...(settings.grafana ? [settings.grafana.namespace] : []), ...(row.props.networkPolicies?.gatewayNamespaces ?? [])]);
        const admitted = Object.entries(peers).filter(([, p]) => admits(policies, gateway, p, port)).map(([n]) => n).sort();
        // Chart 6.29.0's gateway serves its API on its port named http-metrics, which the metrics policy opens to Prometheus.
        const expected = Object.entries(peers).filter(([n, p]) => clients.has(p.namespace) || (n === "prometheus" && api?.name === "http-metrics")).map(([n]) => n).sort();
        expect(admitted).toEqual(expected);
        expect(expected).toEqual(expect.arrayContaining(["agents", ...(settings.grafana ? ["grafana"] : [])]));
        expect(admits(policies, gateway, peers.intruder, port)).toBe(false);
      });

      test("given Loki's egress, then it reaches DNS, its object store, the Pod Identity agent when it needs it, and the ruler its Alertmanager; nothing else outside its namespace", () => {
        const { stack } = c.stack;
        const dns: PolicyPod = { name: "coredns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53, protocol: "TCP" }] };
        const monitoring = stack.settings.monitoring.stack;
        const alertmanager: PolicyPod = {
          name: "alertmanager",
          namespace: monitoring.namespace,
          labels:
            monitoring.kind === "prometheus"
              ? { "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": monitoring.releaseName }
              : { "app.kubernetes.io/name": "alertmanager", alertmanager: `${kubePrometheusStackFullname(monitoring.releaseName)}-alertmanager` },
          ports: [{ name: "http", containerPort: 9093 }],
        };
        const s3 = { ip: "52.219.4.10" };
        const s3Mode = stack.settings.storage.mode === "s3";
        const podIdentity = stack.settings.storage.mode === "s3" && stack.settings.storage.identity.identity === "pod-identity";
        for (const component of ["ingester", "querier", "compactor", "ruler", "index-gateway"]) {
          const source = pod(component);
          expect([component, "dns", letsOut(policies, source, dns, 53, "UDP")]).toEqual([component, "dns", true]);
          expect([component, "s3", letsOut(policies, source, s3, 443)]).toEqual([component, "s3", s3Mode]);
          expect([component, "pod identity agent", letsOut(policies, source, { ip: "169.254.170.23" }, 80)]).toEqual([component, "pod identity agent", podIdentity]);
          expect([component, "intruder", letsOut(policies, source, peers.intruder, 8080)]).toEqual([component, "intruder", false]);
          expect([component, "alertmanager", letsOut(policies, source, alertmanager, 9093)]).toEqual([component, "alertmanager", component === "ruler"]);
        }
      });

      test("given the agents' own policy, then only the Prometheus pods reach their HTTP server (health and metrics)", () => {
        if (c.stack.stack.settings.fluentBit === undefined) return;
        const agents = { ...peers.agents, ports: [{ name: "http", containerPort: 2020 }] };
        const admitted = Object.entries(peers).filter(([, p]) => admits(policies, agents, p, 2020)).map(([n]) => n);
        expect(admitted).toEqual(["prometheus"]);
      });
    });
  }
});
