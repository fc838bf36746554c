import { createHash } from "node:crypto";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { check, checkDnsLabel, checkHttpUrl, checkInteger } from "../core/validation";

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
/** Seconds Grafana waits beyond Loki's query timeout, so Loki's own timeout error reaches the user. */
export const GRAFANA_TIMEOUT_MARGIN_SECONDS = 30;

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
  readonly jsonData: Readonly<Record<string, string | number | boolean>>;
  readonly secureJsonData?: Readonly<Record<string, string>>;
  /** Several tenants: basic auth at the gateway, as the tenant. */
  readonly basicAuth?: true;
  readonly basicAuthUser?: string;
}

/** One tenant Grafana queries as (several tenants): its user at the gateway and its password, a Terraform expression. */
export interface QueryTenant {
  readonly name: string;
  readonly password: string;
}

/** A Grafana data source provisioning file. */
export interface DatasourceProvisioning {
  readonly apiVersion: 1;
  readonly datasources: readonly DatasourceEntry[];
}

/** The Loki release the data source points at: plain data from the stack, derived from the release's names. */
export interface LokiQueryTarget {
  /**
   * Base URL Grafana queries: the release's gateway, which routes queries to the query-frontend and the rules and
   * alerts APIs to the ruler, which alone serves them (grafana/loki#5203).
   */
  readonly queryUrl: string;
  /** The release's `loki.fullname`, unique per release: the data source's UID and ConfigMap name derive from it. */
  readonly fullname: string;
  /** The Helm release name, for the ConfigMap's labels. */
  readonly releaseName: string;
  /** The tenant (`X-Scope-OrgID`) when Loki runs with auth and one tenant. @default none: auth off */
  readonly tenant?: string;
  /** Several tenants: one data source each, authenticated as the tenant at the gateway. @default none: one data source */
  readonly tenants?: readonly QueryTenant[];
}

/** Properties of the Loki data source. */
export interface LokiDatasourceProps {
  /** Namespace where Grafana's sidecar looks for data sources. @default "monitoring" */
  readonly namespace?: string;
  /** The Loki release to query. */
  readonly loki: LokiQueryTarget;
  /**
   * Loki's query timeout in seconds (`limits_config.query_timeout`, the stack's `limits.queryTimeoutSeconds`), handed
   * over by the stack. The data source waits GRAFANA_TIMEOUT_MARGIN_SECONDS longer, so it never gives up first.
   */
  readonly queryTimeoutSeconds: number;
}

/** The data source's props with every default applied, validated. */
export type ResolvedLokiDatasourceProps = Required<LokiDatasourceProps>;

/**
 * Applies the defaults to the data source's props and validates them. Throws a ConfigError that names the setting.
 * @param prefix prepended to setting names in messages, such as "grafana."
 */
export function resolveLokiDatasourceProps(props: LokiDatasourceProps, prefix = ""): ResolvedLokiDatasourceProps {
  const namespace = props.namespace ?? "monitoring";
  checkDnsLabel(`${prefix}namespace`, namespace);
  checkHttpUrl(`${prefix}loki.queryUrl`, props.loki?.queryUrl);
  check(typeof props.loki.fullname === "string" && props.loki.fullname !== "", `${prefix}loki.fullname`, props.loki.fullname, "the Loki release's fullname");
  checkInteger(`${prefix}queryTimeoutSeconds`, props.queryTimeoutSeconds, 1, 86_400);
  if (props.loki.tenants !== undefined) {
    check(props.loki.tenant === undefined, `${prefix}loki.tenant`, props.loki.tenant, "unset with tenants", "each data source authenticates as its tenant at the gateway");
    const names = props.loki.tenants.map((t) => t.name);
    check(names.length > 0 && new Set(names).size === names.length, `${prefix}loki.tenants`, names, "a list of distinct tenants");
    names.forEach((name, i) => check(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name), `${prefix}loki.tenants[${i}].name`, name, 'a tenant of lowercase letters, digits and "-"'));
  }
  return { namespace, loki: props.loki, queryTimeoutSeconds: props.queryTimeoutSeconds };
}

/** The Grafana data source timeout for a Loki query timeout: never shorter. */
export function grafanaTimeoutSeconds(queryTimeoutSeconds: number): number {
  return queryTimeoutSeconds + GRAFANA_TIMEOUT_MARGIN_SECONDS;
}

/**
 * The provisioning document for the Loki data source, derived only from the release it points at:
 * it queries through the gateway the release creates (which also serves the ruler's rules) and, with auth on,
 * sends the tenant the agents write under. Pure: no cdktf.
 * @param queryTimeoutSeconds Loki's query timeout, which the data source's timeout derives from
 * @see https://grafana.com/docs/grafana/latest/datasources/loki/configure/#provision-the-data-source
 */
export function lokiDatasourceProvisioning(loki: LokiQueryTarget, queryTimeoutSeconds: number): DatasourceProvisioning {
  // Grafana waits longer than Loki's query timeout, so a long query ends with Loki's answer, not Grafana's.
  // manageAlerts: Grafana's alerting view lists the ruler's rules and alerts of this data source.
  const jsonData = { maxLines: 1000, timeout: grafanaTimeoutSeconds(queryTimeoutSeconds), manageAlerts: true };
  const datasource: DatasourceEntry = {
    name: LOKI_DATASOURCE_NAME,
    type: "loki",
    // The release's fullname is unique per Loki release and stable, so dashboards can pin the UID.
    uid: loki.fullname.slice(0, MAX_UID_LENGTH),
    // Grafana's backend queries the in-cluster Service; browsers never reach it.
    access: "proxy",
    url: loki.queryUrl,
    // Prometheus stays the default data source of kube-prometheus-stack.
    isDefault: false,
    // With auth off Loki ignores the header and serves tenant "fake", so none is sent.
    jsonData: loki.tenant !== undefined ? { ...jsonData, httpHeaderName1: TENANT_HEADER } : jsonData,
    ...(loki.tenant !== undefined ? { secureJsonData: { httpHeaderValue1: loki.tenant } } : {}),
  };
  return { apiVersion: 1, datasources: [datasource] };
}

/**
 * A data source's UID for one tenant: `<fullname>-<tenant>`, or, when that is longer than Grafana's 40 characters, its
 * start and a hash of the whole, so two tenants never share a UID.
 */
export function tenantDatasourceUid(fullname: string, tenant: string): string {
  const uid = `${fullname}-${tenant}`;
  if (uid.length <= MAX_UID_LENGTH) return uid;
  const hash = createHash("sha256").update(uid).digest("hex").slice(0, 12);
  return `${uid.slice(0, MAX_UID_LENGTH - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/**
 * The provisioning document for several tenants: one data source per tenant, named `Loki (<tenant>)`, querying the
 * gateway as the tenant with basic auth, its password in `secureJsonData`. The gateway sets X-Scope-OrgID from the user,
 * so no header is configured. Pure: the passwords are Terraform expressions.
 */
export function tenantDatasourcesProvisioning(loki: LokiQueryTarget, queryTimeoutSeconds: number): DatasourceProvisioning {
  const jsonData = { maxLines: 1000, timeout: grafanaTimeoutSeconds(queryTimeoutSeconds), manageAlerts: true };
  return {
    apiVersion: 1,
    datasources: (loki.tenants ?? []).map((tenant) => ({
      name: `${LOKI_DATASOURCE_NAME} (${tenant.name})`,
      type: "loki",
      uid: tenantDatasourceUid(loki.fullname, tenant.name),
      access: "proxy",
      url: loki.queryUrl,
      isDefault: false,
      basicAuth: true,
      basicAuthUser: tenant.name,
      jsonData,
      secureJsonData: { basicAuthPassword: tenant.password },
    })),
  };
}

/**
 * A ConfigMap that the kube-prometheus-stack Grafana sidecar turns into a Loki data source,
 * so nobody adds it by hand. The tenant ID is an identifier, not a credential, so a ConfigMap
 * (rather than a Secret) is enough. With several tenants the data sources carry passwords: they go to a Secret with the
 * same label, which the sidecar reads as well (`sidecar.datasources.resource: both`, its default). It validates its own
 * props (resolveLokiDatasourceProps).
 * @see https://github.com/grafana/helm-charts/tree/main/charts/grafana#sidecar-for-datasources
 */
export class LokiDatasource extends Construct {
  /** The ConfigMap; with several tenants, the Secret. */
  public readonly resource: ConfigMapV1 | SecretV1;
  /** Name of the ConfigMap (or, with several tenants, the Secret). */
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
    const { namespace, loki, queryTimeoutSeconds } = resolveLokiDatasourceProps(props);
    const tenants = loki.tenants !== undefined;
    this.provisioning = tenants ? tenantDatasourcesProvisioning(loki, queryTimeoutSeconds) : lokiDatasourceProvisioning(loki, queryTimeoutSeconds);
    this.configMapName = tenants ? `${loki.fullname}-grafana-datasources` : `${loki.fullname}-grafana-datasource`;
    this.namespace = namespace;
    this.datasourceUid = this.provisioning.datasources[0].uid;
    this.queryUrl = loki.queryUrl;

    const metadata = {
      name: this.configMapName,
      namespace: this.namespace,
      labels: {
        ...GRAFANA_DATASOURCE_LABEL,
        "app.kubernetes.io/name": "loki",
        "app.kubernetes.io/instance": loki.releaseName,
        "app.kubernetes.io/component": "grafana-datasource",
        "app.kubernetes.io/managed-by": "cdktf",
      },
    };
    // JSON is YAML: Terraform's jsonencode writes the file, passwords included, escaped whatever they hold.
    this.resource = tenants
      ? new SecretV1(this, "Secret", { metadata, data: { [DATASOURCE_FILE_NAME]: Fn.jsonencode(this.provisioning) } })
      : new ConfigMapV1(this, "Resource", { metadata, data: { [DATASOURCE_FILE_NAME]: stringify(this.provisioning) } });
  }
}
