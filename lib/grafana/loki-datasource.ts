import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { Names } from "../names";
import { ResolvedSettings } from "../settings";
import { DEFAULT_QUERY_TIMEOUT_SECONDS, grafanaTimeoutSeconds } from "../loki/sizing";

/**
 * The label the kube-prometheus-stack Grafana sidecar selects data source ConfigMaps by
 * (`grafana.sidecar.datasources.label` / `labelValue`).
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/values.yaml
 */
export const GRAFANA_DATASOURCE_LABEL: Readonly<Record<string, string>> = { grafana_datasource: "1" };
/** Display name of the provisioned data source. */
export const LOKI_DATASOURCE_NAME = "Loki";
/** The header that carries the Loki tenant. @see https://grafana.com/docs/loki/latest/operations/multi-tenancy/ */
export const TENANT_HEADER = "X-Scope-OrgID";
/** Key of the provisioning file inside the ConfigMap; the sidecar copies it into Grafana's provisioning folder. */
export const DATASOURCE_FILE_NAME = "loki-datasource.yaml";
/** Grafana caps data source UIDs at 40 characters. */
const MAX_UID_LENGTH = 40;

/**
 * One entry of a Grafana data source provisioning file.
 * @see https://grafana.com/docs/grafana/latest/administration/provisioning/#data-sources
 */
export interface DatasourceEntry {
  readonly name: string;
  readonly type: "loki";
  readonly uid: string;
  readonly access: "proxy";
  readonly url: string;
  readonly isDefault: boolean;
  readonly jsonData: Readonly<Record<string, string | number>>;
  readonly secureJsonData?: Readonly<Record<string, string>>;
}

/** A Grafana data source provisioning file. */
export interface DatasourceProvisioning {
  readonly apiVersion: 1;
  readonly datasources: readonly DatasourceEntry[];
}

/**
 * The provisioning document for the Loki data source, derived only from the shared names:
 * it queries the query-frontend the release creates and, with auth on, sends the tenant
 * the agents write under. Pure: no cdktf.
 * @see https://grafana.com/docs/grafana/latest/datasources/loki/configure/#provision-the-data-source
 */
export function lokiDatasourceProvisioning(names: Names, queryTimeoutSeconds = DEFAULT_QUERY_TIMEOUT_SECONDS): DatasourceProvisioning {
  // Grafana waits longer than Loki's query timeout, so a long query ends with Loki's answer, not Grafana's.
  const jsonData = { maxLines: 1000, timeout: grafanaTimeoutSeconds(queryTimeoutSeconds) };
  const datasource: DatasourceEntry = {
    name: LOKI_DATASOURCE_NAME,
    type: "loki",
    // The release's fullname is unique per Loki release and stable, so dashboards can pin the UID.
    uid: names.fullname.slice(0, MAX_UID_LENGTH),
    // Grafana's backend queries the in-cluster Service; browsers never reach it.
    access: "proxy",
    url: names.queryUrl,
    // Prometheus stays the default data source of kube-prometheus-stack.
    isDefault: false,
    // With auth off Loki ignores the header and serves tenant "fake", so none is sent.
    jsonData: names.authEnabled ? { ...jsonData, httpHeaderName1: TENANT_HEADER } : jsonData,
    ...(names.authEnabled ? { secureJsonData: { httpHeaderValue1: names.tenant } } : {}),
  };
  return { apiVersion: 1, datasources: [datasource] };
}

/** Properties of the Loki data source. */
export interface LokiDatasourceProps {
  /** Resolved Grafana settings: the namespace the sidecar watches. */
  readonly settings: ResolvedSettings["grafana"];
  /** Shared names: the query URL and the tenant. */
  readonly names: Names;
  /** Loki's query timeout (limits.queryTimeoutSeconds); the data source's timeout derives from it. @default DEFAULT_QUERY_TIMEOUT_SECONDS */
  readonly queryTimeoutSeconds?: number;
}

/**
 * A ConfigMap that the kube-prometheus-stack Grafana sidecar turns into a Loki data source,
 * so nobody adds it by hand. The tenant ID is an identifier, not a credential, so a ConfigMap
 * (rather than a Secret) is enough.
 * @see https://github.com/grafana/helm-charts/tree/main/charts/grafana#sidecar-for-datasources
 */
export class LokiDatasource extends Construct {
  /** The ConfigMap. */
  public readonly resource: ConfigMapV1;
  /** Name of the ConfigMap. */
  public readonly configMapName: string;
  /** Namespace of the ConfigMap: Grafana's. */
  public readonly namespace: string;
  /** UID of the data source, for dashboards that reference it. */
  public readonly datasourceUid: string;
  /** The URL Grafana queries. */
  public readonly queryUrl: string;
  /** The provisioning document the ConfigMap carries. */
  public readonly provisioning: DatasourceProvisioning;

  constructor(scope: Construct, id: string, props: LokiDatasourceProps) {
    super(scope, id);
    const { settings, names } = props;
    this.provisioning = lokiDatasourceProvisioning(names, props.queryTimeoutSeconds);
    this.configMapName = `${names.fullname}-grafana-datasource`;
    this.namespace = settings.namespace;
    this.datasourceUid = this.provisioning.datasources[0].uid;
    this.queryUrl = names.queryUrl;

    this.resource = new ConfigMapV1(this, "Resource", {
      metadata: {
        name: this.configMapName,
        namespace: this.namespace,
        labels: {
          ...GRAFANA_DATASOURCE_LABEL,
          "app.kubernetes.io/name": "loki",
          "app.kubernetes.io/instance": names.releaseName,
          "app.kubernetes.io/component": "grafana-datasource",
          "app.kubernetes.io/managed-by": "cdktf",
        },
      },
      data: { [DATASOURCE_FILE_NAME]: stringify(this.provisioning) },
    });
    this.resource.overrideLogicalId("loki_grafana_datasource");
  }
}
