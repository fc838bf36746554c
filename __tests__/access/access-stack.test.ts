/**
 * Tenants and access across the stack: one synth of a stack with several tenants (one with a credentials Secret you
 * name), one of the reference stack with one tenant, one without NetworkPolicies. The names and values the parts must
 * agree on are read from the Terraform JSON: the gateway's users and the agents' outputs, Grafana's data sources, the
 * canary, the rule directories and overrides, the NetworkPolicies, the plan-time checks.
 */
import { parse } from "yaml";
import { EXAMPLE_RULE_GROUPS, LokiStack, LokiStackProps } from "../../lib";
import { tenantTagRegex } from "../../lib/fluent-bit/config";
import { outputBufferLimit } from "../../lib/fluent-bit/props";
import { tenantDatasourceUid } from "../../lib/grafana/loki-datasource";
import { Json } from "../support/json";
import { one, REFERENCE_PROPS, resolveString, synthStack, Synthesized, testApp, testPassword } from "../support/synth";

const TENANTS: LokiStackProps = {
  ...REFERENCE_PROPS,
  ruleGroups: EXAMPLE_RULE_GROUPS,
  tenants: {
    "team-a": { namespaces: ["shop", "checkout"], retentionPeriod: "1440h", limits: { ingestionRateMb: 20 }, ruleGroups: [{ name: "shop", rules: [{ alert: "ShopErrors", expr: 'count_over_time({namespace="shop"} |= "error" [5m]) > 9' }] }] },
    "team-b": { namespaces: ["billing"], credentials: { secretName: "team-b-loki" } },
  },
};

/** The Loki release's values, as the release carries them: Terraform references left as they are written. */
function values(json: Synthesized): Json {
  return parse(String(json.resource.helm_release.loki.values[0])) as Json;
}

/** A stack built without synthesizing it: its constructs and values, for the checks that need no Terraform JSON. */
const build = (props: LokiStackProps) => new LokiStack(testApp(), "loki-test", props);

/** The agents' config, as the ConfigMap carries it. */
function fluentBitConfig(json: Synthesized): Json {
  const holder = Object.values(json.resource.kubernetes_config_map_v1).find((c) => c.data?.["fluent-bit.yaml"] !== undefined) as Json;
  return parse(resolveString(String(holder.data["fluent-bit.yaml"]), json)) as Json;
}

describe("given several tenants", () => {
  const { json, stack } = synthStack(TENANTS);
  const v = values(json);
  const release = json.resource.helm_release.loki;

  test("then the tenants are the declared ones and the platform tenant, which receives the unclaimed namespaces and the top-level rules", () => {
    expect(stack.tenancy).toEqual({ authEnabled: true, tenant: "platform", tenants: ["platform", "team-a", "team-b"] });
    expect(v.loki.auth_enabled).toBe(true);
    expect(Object.keys(v.ruler.directories).sort()).toEqual(["platform", "team-a", "team-b"]);
    expect(Object.keys(v.ruler.directories.platform)).toEqual(EXAMPLE_RULE_GROUPS.map((g) => `${g.name}.yaml`));
    expect(Object.keys(v.ruler.directories["team-a"])).toEqual(["shop.yaml"]);
    expect(v.ruler.directories["team-b"]).toEqual({});
  });

  test("then the generated passwords are pinned per tenant, letters and digits, rotated by their keeper; the named Secret is looked up instead", () => {
    expect(Object.keys(json.resource.random_password).sort()).toEqual(["loki_tenant_platform", "loki_tenant_team-a"]);
    for (const password of Object.values(json.resource.random_password)) expect(password).toEqual({ length: 32, special: false, keepers: { rotation: "1" } });
    expect(json.data.kubernetes_resources["loki_tenant_team-b_secret"]).toEqual({ api_version: "v1", kind: "Secret", namespace: "loki", field_selector: "metadata.name=team-b-loki" });
    expect(json.provider.random).toBeDefined();
  });

  test("then the gateway checks each tenant's bcrypt hash and sets the tenant from the user in every location; the values hold no password", () => {
    expect(v.gateway.basicAuth).toEqual({ enabled: true });
    expect(v.gateway.nginxConfig.locationSnippet).toBe("proxy_set_header X-Scope-OrgID $remote_user;");
    // The hashes are written as nonsensitive: the values stay readable in `cdktf diff`; no password is in them.
    expect(v.loki.tenants).toEqual([
      { name: "platform", passwordHash: "${nonsensitive(random_password.loki_tenant_platform.bcrypt_hash)}" },
      { name: "team-a", passwordHash: "${nonsensitive(random_password.loki_tenant_team-a.bcrypt_hash)}" },
      { name: "team-b", passwordHash: "${base64decode(data.kubernetes_resources.loki_tenant_team-b_secret.objects[0].data.passwordHash)}" },
    ]);
    expect(String(release.values[0])).not.toMatch(/\.result\}|data\.password\)/);
  });

  test("then the canary authenticates as the platform tenant, its password set with set_sensitive into a Secret of the release and read from its environment", () => {
    expect(v.lokiCanary.tenant).toEqual({ name: "platform", password: "$(LOKI_CANARY_PASSWORD)" });
    expect(v.lokiCanary.extraEnv).toEqual([{ name: "LOKI_CANARY_PASSWORD", valueFrom: { secretKeyRef: { name: "loki-canary-credentials", key: "password" } } }]);
    expect(v.extraObjects["canary-credentials"]).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "loki-canary-credentials", labels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki", "app.kubernetes.io/component": "canary" } },
      type: "Opaque",
    });
    expect(release.set_sensitive).toEqual([{ name: "extraObjects.canary-credentials.data.password", value: "${base64encode(random_password.loki_tenant_platform.result)}", type: "string" }]);
  });

  test("then each tenant's retention and limits are runtime overrides, and the object store's backstop outlives the longest retention", () => {
    expect(v.loki.runtimeConfig.overrides).toEqual({ "team-a": { ingestion_rate_mb: 20, max_query_length: "1464h", retention_period: "1440h" } });
    expect(v.loki.limits_config.retention_period).toBe("744h");
    const rules = json.resource.aws_s3_bucket_lifecycle_configuration;
    const chunks = Object.values(rules).map((r) => (r.rule as Json[]).find((x) => x.expiration !== undefined)).find((x) => x !== undefined);
    expect(one(chunks?.expiration)?.days).toBe(60 + 30);
  });

  test("then the agents push through the gateway, one output per tenant, routed by namespace, authenticated as the tenant with its password from a Secret", () => {
    const outputs = (fluentBitConfig(json).pipeline.outputs as Json[]).filter((o) => o.name === "loki");
    expect(outputs.map((o) => [o.alias, o.host, o.port, o.http_user, o.http_passwd, o.tenant_id, o["storage.total_limit_size"]])).toEqual([
      ["loki-platform", "loki-gateway.loki.svc.cluster.local", 80, "platform", "${LOKI_PASSWORD_PLATFORM}", undefined, "682M"],
      ["loki-team-a", "loki-gateway.loki.svc.cluster.local", 80, "team-a", "${LOKI_PASSWORD_TEAM_A}", undefined, "682M"],
      ["loki-team-b", "loki-gateway.loki.svc.cluster.local", 80, "team-b", "${LOKI_PASSWORD_TEAM_B}", undefined, "682M"],
    ]);
    // The config's own variables reach Fluent Bit as written: Terraform sees them escaped.
    const holder = Object.values(json.resource.kubernetes_config_map_v1).find((c) => c.data?.["fluent-bit.yaml"] !== undefined) as Json;
    expect(String(holder.data["fluent-bit.yaml"])).toContain("$${LOKI_PASSWORD_TEAM_A}");
    const secret = json.resource.kubernetes_secret_v1.fluent_bit_loki_credentials;
    expect(Object.keys(secret.data).sort()).toEqual(["platform", "team-a", "team-b"]);
    expect(resolveString(secret.data["team-a"], json)).toBe(testPassword("loki_tenant_team-a"));
    const container = (one(one(one(Object.values(json.resource.kubernetes_daemon_set_v1)[0].spec)?.template)?.spec)?.container as Json[])[0];
    expect(container.env.map((e: Json) => [e.name, one(one(e.value_from)?.secret_key_ref)?.key])).toEqual([
      ["LOKI_PASSWORD_PLATFORM", "platform"],
      ["LOKI_PASSWORD_TEAM_A", "team-a"],
      ["LOKI_PASSWORD_TEAM_B", "team-b"],
    ]);
  });

  test("then Grafana gets one data source per tenant in a Secret, each authenticated as its tenant at the gateway, and no ConfigMap", () => {
    const secret = json.resource.kubernetes_secret_v1.loki_grafana_datasources;
    expect(one(secret.metadata)?.labels).toMatchObject({ grafana_datasource: "1" });
    const file = parse(resolveString(String(secret.data["loki-datasource.yaml"]), json)) as Json;
    expect(file.datasources.map((d: Json) => [d.name, d.uid, d.url, d.basicAuth, d.basicAuthUser, d.secureJsonData.basicAuthPassword, d.jsonData.httpHeaderName1])).toEqual([
      ["Loki (platform)", "loki-platform", "http://loki-gateway.loki.svc.cluster.local:80", true, "platform", testPassword("loki_tenant_platform"), undefined],
      ["Loki (team-a)", "loki-team-a", "http://loki-gateway.loki.svc.cluster.local:80", true, "team-a", testPassword("loki_tenant_team-a"), undefined],
      ["Loki (team-b)", "loki-team-b", "http://loki-gateway.loki.svc.cluster.local:80", true, "team-b", expect.any(String), undefined],
    ]);
    expect(json.resource.kubernetes_config_map_v1.loki_grafana_datasource).toBeUndefined();
  });

  test("then the distributor admits no agent (they push through the gateway), and the release checks the named Secret and policy enforcement at plan time", () => {
    expect(Object.keys(v.extraObjects).sort()).toEqual(["canary-credentials", "network-policy-ruler-alertmanager"]);
    const messages = (release.lifecycle.precondition as Json[]).map((p) => String(p.error_message).split(" ")[0]);
    expect(messages.slice(-2)).toEqual(["tenants.team-b.credentials", "networkPolicies.enforcement"]);
  });
});

describe("given one tenant (today's settings)", () => {
  const { json } = synthStack({ ...REFERENCE_PROPS, tenant: "team-a" });
  const v = values(json);

  test("then nothing of several tenants appears: no password, no gateway auth, the agents push straight to the distributor as the tenant", () => {
    expect(json.resource.random_password).toBeUndefined();
    expect(v.gateway.basicAuth).toBeUndefined();
    expect(v.loki.tenants).toBeUndefined();
    expect(json.resource.helm_release.loki.set_sensitive).toBeUndefined();
    const outputs = (fluentBitConfig(json).pipeline.outputs as Json[]).filter((o) => o.name === "loki");
    expect(outputs.map((o) => [o.host, o.tenant_id, o.http_user])).toEqual([["loki-distributor.loki.svc.cluster.local", "team-a", undefined]]);
  });

  test("then the NetworkPolicies are on: the agents' pods alone may push to the distributor, the gateway admits the agents', Grafana's and Loki's namespaces, Prometheus' pods reach the metrics", () => {
    expect(v.networkPolicy.enabled).toBe(true);
    expect(v.networkPolicy.ingress.namespaceSelector.matchExpressions).toEqual([{ key: "kubernetes.io/metadata.name", operator: "In", values: ["fluent-bit", "loki", "monitoring"] }]);
    expect(v.networkPolicy.metrics).toEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prometheus" } },
      podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "prometheus", "app.kubernetes.io/component": "server" } },
    });
    expect(v.networkPolicy.externalStorage).toEqual({ ports: [443] });
    const agents = v.extraObjects["network-policy-distributor-agents"];
    expect(agents.spec.podSelector.matchLabels["app.kubernetes.io/component"]).toBe("distributor");
    expect(agents.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "fluent-bit" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": "fluent-bit" } } },
    ]);
    const fluentBit = json.resource.kubernetes_network_policy_v1.fluent_bit;
    expect(one(fluentBit.spec)?.policy_types).toEqual(["Ingress"]);
    expect(json.data.kubernetes_resources.loki_vpc_cni).toEqual({ api_version: "apps/v1", kind: "DaemonSet", namespace: "kube-system", field_selector: "metadata.name=aws-node" });
  });
});

describe("given networkPolicies off, or enforced by another engine", () => {
  const off = build({ ...REFERENCE_PROPS, networkPolicies: { enabled: false } });
  const other = build({ ...REFERENCE_PROPS, networkPolicies: { enforcement: "other" } });

  test("then off: no NetworkPolicy anywhere and no enforcement check; another engine: the policies, without the VPC CNI check", () => {
    expect(off.loki.values.networkPolicy).toBeUndefined();
    expect(off.loki.values.extraObjects).toBeUndefined();
    expect(off.fluentBit?.networkPolicy).toBeUndefined();
    expect(off.policyEnforcement).toBeUndefined();
    expect(other.loki.values.networkPolicy?.enabled).toBe(true);
    expect(other.fluentBit?.networkPolicy).toBeDefined();
    expect(other.policyEnforcement).toBeUndefined();
  });
});

describe("the agents' tenant routing and buffer", () => {
  const team = { name: "team-a", namespaces: ["shop", "checkout"], unclaimed: false, password: "p" };
  const platform = { name: "platform", namespaces: ["kube-system"], unclaimed: true, password: "p" };
  const tag = (pod: string, namespace: string) => `kube.var.log.containers.${pod}_${namespace}_app-${"ab".repeat(32)}.log`;

  test("given a tenant's namespaces, then its regex takes exactly the tags of their container logs, whatever the pod's name", () => {
    const regex = new RegExp(tenantTagRegex(team, ["kube-system"]));
    expect([tag("web-1", "shop"), tag("web.v2-1", "checkout"), tag("shop-1", "shopping"), tag("web-1", "kube-system"), tag("checkout_x", "billing")].map((t) => regex.test(t))).toEqual([true, true, false, false, false]);
  });

  test("given the tenant of unclaimed namespaces, then its regex takes every tag no other tenant's namespaces match, its own included", () => {
    const regex = new RegExp(tenantTagRegex(platform, ["shop", "checkout"]));
    expect([tag("web-1", "shop"), tag("web-1", "kube-system"), tag("web-1", "brand-new"), tag("shop-1", "shopping")].map((t) => regex.test(t))).toEqual([false, true, true, true]);
  });

  test("given the buffer limit, then each of several outputs gets an even share in whole MB, one output all of it", () => {
    expect([outputBufferLimit("2G", 1), outputBufferLimit("2G", 3), outputBufferLimit("512M", 4)]).toEqual(["2G", "682M", "128M"]);
  });

  test("given a release fullname and tenant over Grafana's 40 characters, then the data source UIDs stay distinct and within the limit", () => {
    const long = "a-very-long-release-name-for-the-platform-loki";
    const uids = ["team-a", "team-b"].map((t) => tenantDatasourceUid(long, t));
    expect(new Set(uids).size).toBe(2);
    for (const uid of uids) expect(uid.length).toBeLessThanOrEqual(40);
    expect(tenantDatasourceUid("loki", "team-a")).toBe("loki-team-a");
  });
});

describe("the release's extra objects beside the ones valuesOverrides adds", () => {
  const mine = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "mine" } };

  test("given chart 18.11.0 (a map) and chart 6.29.0 (a list), then the overrides' objects join the release's own, which stay", () => {
    const map = build({ ...REFERENCE_PROPS, valuesOverrides: { extraObjects: { mine } } }).loki.values.extraObjects as Json;
    expect(Object.keys(map)).toEqual(["network-policy-ruler-alertmanager", "network-policy-distributor-agents", "mine"]);
    const list = build({ ...REFERENCE_PROPS, chartVersion: "6.29.0", valuesOverrides: { extraObjects: [mine] } }).loki.values.extraObjects as unknown as Json[];
    expect(list.map((o: Json) => o.metadata.name)).toEqual(["loki-ruler-egress-alertmanager", "loki-distributor-ingress-agents", "mine"]);
  });

  test("fails on an override that would replace one of the release's own objects", () => {
    expect(() => build({ ...REFERENCE_PROPS, valuesOverrides: { extraObjects: { "network-policy-ruler-alertmanager": mine } } })).toThrow(
      /^valuesOverrides\.extraObjects\["network-policy-ruler-alertmanager"\] must be unset/,
    );
  });
});
