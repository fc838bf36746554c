import { prometheusScrapeAnnotations } from "../../core/kubernetes";
import type { ContainerResources } from "../sizing";
import { CANARY_HTTP_PORT, ChartEnvVar, ChartGatewayAuth, ChartValuesInput, METRICS_PATH } from "../chart";
import type { ResolvedLokiMonitoring } from "../monitoring-values";
import { SUPPORT_RESOURCES } from "../support-resources";

/**
 * Chart 18.11.0's `monitoring` section (reworked in 18.0), as this stack sets it. All of it comes from the Loki mixin:
 * - `namespace`: where the dashboards, and with them the chart's PrometheusRules, go (one namespace for all of them
 *   since 18.0). Grafana's when the stack delivers dashboards, else the release's;
 * - `serviceMonitor`: one ServiceMonitor `<fullname>` in the release namespace, selecting every Service with the chart's
 *   selector labels except the headless duplicates, port `http-metrics`; it sets `job` to `<namespace>/<component>`
 *   and `app_instance` to the fullname, the labels the mixin's rules and dashboards select on;
 * - `rules`: the mixin's recording rules (which the dashboards read); `alerts`: the mixin's alerts (split from the
 *   rules in 18.0), each a PrometheusRule carrying `labels`;
 * - `dashboards`: one ConfigMap per mixin dashboard, carrying `labels`.
 * The Grafana Agent objects of 6.x (`serviceMonitor.metricsInstance`, `selfMonitoring`) no longer exist.
 * @see https://github.com/grafana-community/helm-charts/tree/main/charts/loki#from-17x-to-1800
 */
export interface Chart18110MonitoringValues {
  readonly namespace: string;
  readonly serviceMonitor: { readonly enabled: boolean; readonly labels: Readonly<Record<string, string>>; readonly interval?: string };
  readonly rules: { readonly enabled: boolean; readonly labels: Readonly<Record<string, string>> };
  readonly alerts: { readonly enabled: boolean; readonly labels: Readonly<Record<string, string>> };
  readonly dashboards: { readonly enabled: boolean; readonly labels: Readonly<Record<string, string>> };
}

/** A service account of the chart's own (gateway, memcached), which no AWS identity is bound to. */
export interface SupportServiceAccount {
  readonly create: true;
  readonly annotations: Readonly<Record<string, string>>;
  readonly automountServiceAccountToken: false;
}

/** The gateway's basic auth in chart 18.11.0, one user per tenant. */
export interface Chart18110GatewayAuth {
  readonly basicAuth: { readonly enabled: true };
  /**
   * Written into every location of the nginx config (the chart's default writes the same line when `loki.tenants` is set):
   * the tenant is the authenticated user, and a client's own X-Scope-OrgID is replaced, never passed on.
   */
  readonly nginxConfig: { readonly locationSnippet: string };
}

/** The values chart 18.11.0 gets that differ from chart 6.29.0's. Every key exists in the chart's values.yaml. */
export interface Chart18110Values {
  /** Set for Loki's own pods (not the canary, gateway or memcached, which have their own keys). */
  readonly defaults: { readonly automountServiceAccountToken: false; readonly extraEnv?: readonly ChartEnvVar[] };
  readonly gateway: { readonly serviceAccount: SupportServiceAccount; readonly metrics: { readonly resources: ContainerResources } } & Partial<Chart18110GatewayAuth>;
  readonly memcached: { readonly serviceAccount: SupportServiceAccount };
  /**
   * With auth on, the canary's tenant (`-user`, `-tenant-id`); absent with auth off, where Loki ignores it. With
   * several tenants its password (`-pass`), as a reference the kubelet expands from the container's environment, which
   * reads it from a Secret: the password is never in the pod's spec. With `monitoring.scrapeAnnotations`, its pods'
   * scrape annotations (`lokiCanary.podAnnotations` since 9.0).
   */
  readonly lokiCanary: {
    readonly tenant?: { readonly name: string; readonly password?: string };
    readonly extraEnv?: readonly ChartEnvVar[];
    readonly podAnnotations?: Readonly<Record<string, string>>;
  };
  /** With several tenants: each tenant's gateway user, with the bcrypt hash of its password (never the password). */
  readonly loki?: { readonly tenants: readonly { readonly name: string; readonly passwordHash: string }[] };
  readonly monitoring: Chart18110MonitoringValues;
  /** Only while logs in the bundled MinIO must stay readable: the chart's documented transition off it. */
  readonly ignoreMinioDeprecation?: true;
}

/**
 * The chart's `monitoring` values in 18.11.0: ServiceMonitor, recording rules and alerts only where the Prometheus
 * Operator's CRDs exist, labelled for the stack's Prometheus; dashboards labelled for Grafana's sidecar, in the
 * namespace it watches. Pure.
 * @param namespace the release's namespace, where the PrometheusRules go without dashboards
 */
export function chart18110MonitoringValues(monitoring: ResolvedLokiMonitoring, namespace: string): Chart18110MonitoringValues {
  const { operatorObjects, prometheusLabels, scrapeInterval } = monitoring;
  return {
    // One namespace for every monitoring object: Grafana's only when dashboards go there (the stack checks at plan
    // time that it exists), so without dashboards nothing lands in a namespace nobody checked.
    namespace: monitoring.dashboards ? monitoring.dashboardNamespace : namespace,
    serviceMonitor: { enabled: operatorObjects, labels: prometheusLabels, ...(scrapeInterval !== undefined ? { interval: scrapeInterval } : {}) },
    rules: { enabled: operatorObjects, labels: prometheusLabels },
    alerts: { enabled: operatorObjects, labels: prometheusLabels },
    dashboards: { enabled: monitoring.dashboards, labels: monitoring.dashboardLabels },
  };
}

/** The gateway's and memcached's own accounts: no role annotation (only Loki's account carries it), no API token. */
const SUPPORT_ACCOUNT: SupportServiceAccount = { create: true, annotations: {}, automountServiceAccountToken: false };

/** The line every location of the gateway's nginx config gets: the tenant is the user that basic auth authenticated. */
export const GATEWAY_TENANT_SNIPPET = "proxy_set_header X-Scope-OrgID $remote_user;";

/** The canary's credentials: its tenant, and its password as the kubelet expands it from the container's environment. */
function canaryWithPassword(auth: ChartGatewayAuth): Chart18110Values["lokiCanary"] {
  return {
    tenant: { name: auth.canaryTenant, password: `$(${auth.canaryPasswordEnv})` },
    extraEnv: [{ name: auth.canaryPasswordEnv, valueFrom: { secretKeyRef: { ...auth.canarySecret } } }],
  };
}

/**
 * The values of chart 18.11.0 that the other versions set differently, or that only it has. Pure.
 * @see https://github.com/grafana-community/helm-charts/blob/loki-18.11.0/charts/loki/values.yaml
 */
export function chart18110Values(input: ChartValuesInput): Chart18110Values {
  return {
    // Since the chart's pod template rework, Loki's pods mount an API token unless told not to, whatever the account
    // says. No Loki container calls the Kubernetes API; IRSA and Pod Identity tokens come in their own volumes.
    // Loki's components read the object store's keys from these variables (the chart runs them with -config.expand-env).
    defaults: { automountServiceAccountToken: false, ...(input.extraEnv.length > 0 ? { extraEnv: input.extraEnv } : {}) },
    // The gateway (nginx, plus an access-log exporter since 18) and memcached run under accounts of their own.
    gateway: {
      serviceAccount: SUPPORT_ACCOUNT,
      metrics: { resources: SUPPORT_RESOURCES.gatewayExporter },
      ...(input.gatewayAuth ? { basicAuth: { enabled: true as const }, nginxConfig: { locationSnippet: GATEWAY_TENANT_SNIPPET } } : {}),
    },
    memcached: { serviceAccount: SUPPORT_ACCOUNT },
    // Since 9.0 the canary's tenant is lokiCanary.tenant; since 16.0 it no longer inherits loki.* metadata.
    lokiCanary: {
      ...(input.gatewayAuth ? canaryWithPassword(input.gatewayAuth) : input.authEnabled ? { tenant: { name: input.tenant } } : {}),
      ...(input.monitoring.scrapeAnnotations ? { podAnnotations: prometheusScrapeAnnotations(CANARY_HTTP_PORT, METRICS_PATH) } : {}),
    },
    // The chart writes the gateway's htpasswd Secret from these (name:hash lines).
    ...(input.gatewayAuth ? { loki: { tenants: input.gatewayAuth.users.map((u) => ({ name: u.name, passwordHash: u.passwordHash })) } } : {}),
    monitoring: chart18110MonitoringValues(input.monitoring, input.namespace),
    // The chart refuses the bundled MinIO since 17.0 unless told to, for moving data off it.
    ...(input.objectStore === "bundled-minio" ? { ignoreMinioDeprecation: true as const } : {}),
  };
}
