import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { parse } from "yaml";
import {
  DATASOURCE_FILE_NAME,
  DatasourceProvisioning,
  GRAFANA_TIMEOUT_MARGIN_SECONDS,
  LokiDatasource,
  LokiDatasourceProps,
  lokiDatasourceProvisioning,
  TENANT_HEADER,
} from "../../lib/grafana/loki-datasource";
import { LokiStackProps } from "../../lib/loki-stack-props";
import { DEFAULT_QUERY_TIMEOUT_SECONDS } from "../../lib/loki/sizing";
import { Json } from "../support/json";
import { synthPart, synthStack } from "../support/synth";
import { queryTarget as target } from "../support/targets";

/** Loki's default query timeout, as the stack hands it over. */
const QUERY_TIMEOUT = DEFAULT_QUERY_TIMEOUT_SECONDS;

/** Synthesizes the construct alone and returns the JSON, the raw text and the parsed provisioning file. */
function synth(props: LokiDatasourceProps = { loki: target(), queryTimeoutSeconds: QUERY_TIMEOUT }): { json: Json; synthesized: string; provisioning: DatasourceProvisioning } {
  const synthesized = synthPart((scope) => {
    new LokiDatasource(scope, "GrafanaDatasource", props);
  });
  const json = JSON.parse(synthesized);
  const configMap = json.resource.kubernetes_config_map_v1.loki_grafana_datasource;
  return { json, synthesized, provisioning: parse(configMap.data[DATASOURCE_FILE_NAME]) };
}

describe("LokiDatasource defaults", () => {
  const { json, synthesized, provisioning } = synth();
  const configMap = json.resource.kubernetes_config_map_v1.loki_grafana_datasource;

  test("matches the snapshot", () => {
    expect(synthesized).toMatchSnapshot();
  });

  test("given defaults, then one ConfigMap in Grafana's namespace carries the sidecar's label", () => {
    expect(Object.keys(json.resource)).toEqual(["kubernetes_config_map_v1"]);
    expect(synthesized).toHaveResourceWithProperties(ConfigMapV1, {
      metadata: { name: "loki-grafana-datasource", namespace: "monitoring", labels: expect.objectContaining({ grafana_datasource: "1" }) },
    });
    expect(Object.keys(configMap.data)).toEqual([DATASOURCE_FILE_NAME]);
  });

  test("given defaults, then the provisioning file is a v1 document with exactly one Loki data source", () => {
    expect(provisioning.apiVersion).toBe(1);
    expect(provisioning.datasources).toHaveLength(1);
    expect(provisioning.datasources[0]).toMatchObject({ name: "Loki", type: "loki", uid: "loki", access: "proxy", isDefault: false });
  });

  test("given defaults, then Grafana queries the release's gateway, which routes queries to the query-frontend and the rules API to the ruler", () => {
    expect(provisioning.datasources[0].url).toBe("http://loki-gateway.loki.svc.cluster.local:80");
    expect(provisioning.datasources[0].jsonData.manageAlerts).toBe(true);
  });

  test("given auth off (the default), then no tenant header and no secure data are sent", () => {
    const [datasource] = provisioning.datasources;
    expect(datasource.jsonData).toEqual({ maxLines: 1000, timeout: DEFAULT_QUERY_TIMEOUT_SECONDS + GRAFANA_TIMEOUT_MARGIN_SECONDS, manageAlerts: true });
    expect(datasource).not.toHaveProperty("secureJsonData");
    expect(configMap.data[DATASOURCE_FILE_NAME]).not.toMatch(/httpHeader|X-Scope-OrgID|fake/);
  });
});

describe("LokiDatasource with another release, namespace and tenant", () => {
  const loki = target("logs", "observability", "team-a");
  const { synthesized, provisioning } = synth({ namespace: "grafana", loki, queryTimeoutSeconds: QUERY_TIMEOUT });
  const [datasource] = provisioning.datasources;

  test("given a tenant, then the tenant header carries the tenant the agents write under", () => {
    expect(datasource.jsonData).toMatchObject({ httpHeaderName1: TENANT_HEADER });
    expect(TENANT_HEADER).toBe("X-Scope-OrgID");
    expect(datasource.secureJsonData).toEqual({ httpHeaderValue1: "team-a" });
    expect(datasource.secureJsonData?.httpHeaderValue1).toBe(loki.tenant);
  });

  test("given another release and namespace, then the URL follows the release's gateway Service", () => {
    expect(datasource.url).toBe("http://logs-loki-gateway.observability.svc.cluster.local:80");
    expect(datasource.url).toBe(loki.queryUrl);
    expect(datasource.uid).toBe("logs-loki");
  });

  test("given a Grafana namespace, then the ConfigMap lands there, named after the release", () => {
    expect(synthesized).toHaveResourceWithProperties(ConfigMapV1, {
      metadata: expect.objectContaining({ name: "logs-loki-grafana-datasource", namespace: "grafana" }),
    });
  });
});

describe("lokiDatasourceProvisioning", () => {
  test("given a tenant, then the header names that tenant", () => {
    const [datasource] = lokiDatasourceProvisioning(target("loki", "loki", "platform"), QUERY_TIMEOUT).datasources;
    expect(datasource.jsonData.httpHeaderName1).toBe("X-Scope-OrgID");
    expect(datasource.secureJsonData).toEqual({ httpHeaderValue1: "platform" });
  });

  test("given Loki's query timeout, then Grafana waits the margin longer, never less", () => {
    for (const seconds of [10, 300, 900, 3600]) {
      const [datasource] = lokiDatasourceProvisioning(target(), seconds).datasources;
      expect(datasource.jsonData.timeout).toBe(seconds + GRAFANA_TIMEOUT_MARGIN_SECONDS);
      expect(datasource.jsonData.timeout).toBeGreaterThanOrEqual(seconds);
    }
  });

  test("given a release whose fullname exceeds 40 characters, then the UID is cut to Grafana's limit", () => {
    expect(lokiDatasourceProvisioning(target("a".repeat(50)), QUERY_TIMEOUT).datasources[0].uid).toBe("a".repeat(40));
  });
});

describe("LokiStack wiring of the data source", () => {
  const base: LokiStackProps = { clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" } };

  test("given grafana enabled (the default), then the stack exposes the data source and synthesizes its ConfigMap", () => {
    const { stack, json } = synthStack(base);
    expect(stack.grafanaDatasource?.queryUrl).toBe(stack.names.gatewayUrl);
    expect(JSON.stringify(json)).toHaveResourceWithProperties(ConfigMapV1, {
      metadata: expect.objectContaining({ name: "loki-grafana-datasource", labels: expect.objectContaining({ grafana_datasource: "1" }) }),
    });
  });

  test("given limits.queryTimeoutSeconds, then the stack hands it to the data source, which waits at least as long", () => {
    const { stack } = synthStack({ ...base, limits: { queryTimeoutSeconds: 900 } });
    expect(stack.settings.grafana?.queryTimeoutSeconds).toBe(900);
    expect(stack.grafanaDatasource?.provisioning.datasources[0].jsonData.timeout).toBeGreaterThanOrEqual(900);
  });

  test("given grafana disabled, then no data source and no ConfigMap are created", () => {
    const { stack, json } = synthStack({ ...base, grafana: { enabled: false } });
    expect(stack.grafanaDatasource).toBeUndefined();
    const configMaps = Object.values<Json>(json.resource?.kubernetes_config_map_v1 ?? {});
    expect(configMaps.filter((c) => c.metadata?.labels?.grafana_datasource !== undefined)).toEqual([]);
  });
});

describe("LokiDatasource validation", () => {
  test.each<[LokiDatasourceProps, RegExp]>([
    [{ namespace: "Grafana", loki: target(), queryTimeoutSeconds: QUERY_TIMEOUT }, /^namespace must be a DNS-1123 label/],
    [{ loki: { ...target(), queryUrl: "loki:3100" }, queryTimeoutSeconds: QUERY_TIMEOUT }, /^loki\.queryUrl must be an http\(s\) URL/],
    [{ loki: { ...target(), fullname: "" }, queryTimeoutSeconds: QUERY_TIMEOUT }, /^loki\.fullname must be the Loki release's fullname/],
    [{ loki: target(), queryTimeoutSeconds: 0 }, /^queryTimeoutSeconds must be a whole number from 1/],
    [{ loki: target(), queryTimeoutSeconds: 1.5 }, /^queryTimeoutSeconds must be a whole number from 1/],
  ])("fails on its own with %j", (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
