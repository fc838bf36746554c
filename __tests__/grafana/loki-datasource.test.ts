import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Testing } from "cdktf";
import { parse } from "yaml";
import {
  DATASOURCE_FILE_NAME,
  DatasourceProvisioning,
  LokiDatasource,
  lokiDatasourceProvisioning,
  TENANT_HEADER,
} from "../../lib/grafana/loki-datasource";
import { LokiStack } from "../../lib/loki-stack";
import { DEFAULT_QUERY_TIMEOUT_SECONDS, GRAFANA_TIMEOUT_MARGIN_SECONDS } from "../../lib/loki/sizing";
import { deriveNames, Names } from "../../lib/names";
import { LokiStackProps, resolveSettings } from "../../lib/settings";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function resolve(props: Partial<LokiStackProps> = {}) {
  const settings = resolveSettings({ clusterName: "prod-eks", ...props }, "test");
  return { settings, names: deriveNames(settings) };
}

/** Synthesizes the construct alone and returns the JSON, the raw text and the parsed provisioning file. */
function synth(props: Partial<LokiStackProps> = {}): { json: Json; synthesized: string; provisioning: DatasourceProvisioning; names: Names } {
  const { settings, names } = resolve(props);
  const synthesized = Testing.synthScope((scope) => {
    new LokiDatasource(scope, "GrafanaDatasource", { settings: settings.grafana, names });
  });
  const json = JSON.parse(synthesized);
  const configMap = json.resource.kubernetes_config_map_v1.loki_grafana_datasource;
  return { json, synthesized, provisioning: parse(configMap.data[DATASOURCE_FILE_NAME]), names };
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

  test("given defaults, then Grafana queries the query-frontend of the release", () => {
    expect(provisioning.datasources[0].url).toBe("http://loki-query-frontend.loki.svc.cluster.local:3100");
  });

  test("given auth off (the default), then no tenant header and no secure data are sent", () => {
    const [datasource] = provisioning.datasources;
    expect(datasource.jsonData).toEqual({ maxLines: 1000, timeout: DEFAULT_QUERY_TIMEOUT_SECONDS + GRAFANA_TIMEOUT_MARGIN_SECONDS });
    expect(datasource).not.toHaveProperty("secureJsonData");
    expect(configMap.data[DATASOURCE_FILE_NAME]).not.toMatch(/httpHeader|X-Scope-OrgID|fake/);
  });
});

describe("LokiDatasource with another release, namespace and tenant", () => {
  const props = { releaseName: "logs", namespace: "observability", tenant: "team-a", grafana: { namespace: "grafana" } };
  const { synthesized, provisioning, names } = synth(props);
  const [datasource] = provisioning.datasources;

  test("given a tenant, then the tenant header carries the tenant the agents write under", () => {
    expect(names.authEnabled).toBe(true);
    expect(datasource.jsonData).toMatchObject({ httpHeaderName1: TENANT_HEADER });
    expect(TENANT_HEADER).toBe("X-Scope-OrgID");
    expect(datasource.secureJsonData).toEqual({ httpHeaderValue1: "team-a" });
    expect(datasource.secureJsonData?.httpHeaderValue1).toBe(names.tenant);
  });

  test("given another release and namespace, then the URL follows the release's query-frontend Service", () => {
    expect(datasource.url).toBe("http://logs-loki-query-frontend.observability.svc.cluster.local:3100");
    expect(datasource.url).toBe(names.queryUrl);
    expect(datasource.uid).toBe("logs-loki");
  });

  test("given a Grafana namespace, then the ConfigMap lands there, named after the release", () => {
    expect(synthesized).toHaveResourceWithProperties(ConfigMapV1, {
      metadata: expect.objectContaining({ name: "logs-loki-grafana-datasource", namespace: "grafana" }),
    });
  });
});

describe("lokiDatasourceProvisioning", () => {
  test("given authEnabled set explicitly with a tenant, then the header names that tenant", () => {
    const { names } = resolve({ authEnabled: true, tenant: "platform" });
    const [datasource] = lokiDatasourceProvisioning(names).datasources;
    expect(datasource.jsonData.httpHeaderName1).toBe("X-Scope-OrgID");
    expect(datasource.secureJsonData).toEqual({ httpHeaderValue1: "platform" });
  });

  test("given a release whose fullname exceeds 40 characters, then the UID is cut to Grafana's limit", () => {
    const { names } = resolve({ releaseName: "a".repeat(50) });
    expect(lokiDatasourceProvisioning(names).datasources[0].uid).toBe("a".repeat(40));
  });
});

describe("LokiStack wiring of the data source", () => {
  const base: LokiStackProps = { clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" } };

  test("given grafana enabled (the default), then the stack exposes the data source and synthesizes its ConfigMap", () => {
    const stack = new LokiStack(Testing.app(), "test", base);
    expect(stack.grafanaDatasource?.queryUrl).toBe(stack.names.queryUrl);
    expect(Testing.synth(stack)).toHaveResourceWithProperties(ConfigMapV1, {
      metadata: expect.objectContaining({ name: "loki-grafana-datasource", labels: expect.objectContaining({ grafana_datasource: "1" }) }),
    });
  });

  test("given grafana disabled, then no data source and no ConfigMap are created", () => {
    const stack = new LokiStack(Testing.app(), "test", { ...base, grafana: { enabled: false } });
    expect(stack.grafanaDatasource).toBeUndefined();
    const json = JSON.parse(Testing.synth(stack));
    const configMaps = Object.values<Json>(json.resource?.kubernetes_config_map_v1 ?? {});
    expect(configMaps.filter((c) => c.metadata?.labels?.grafana_datasource !== undefined)).toEqual([]);
  });
});
