import type { ResolvedSettings } from "./settings";

/** Port of every Loki component's HTTP server in chart 6.29.0. */
export const LOKI_HTTP_PORT = 3100;
/** Loki's push path. @see https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs */
export const LOKI_PUSH_PATH = "/loki/api/v1/push";
/** Port of the chart's gateway Service (`gateway.service.port`, nginx). */
export const LOKI_GATEWAY_PORT = 80;
/** The chart's name, which `loki.fullname` and the chart's default service account are built from. */
export const LOKI_CHART_NAME = "loki";

/** Every name two components must agree on, derived once from the settings. */
export interface Names {
  /** Namespace of the Loki release. */
  readonly namespace: string;
  /** Helm release name. */
  readonly releaseName: string;
  /** The chart's `loki.fullname`: the prefix of every object the chart creates. */
  readonly fullname: string;
  /** Service account the chart creates, which the IAM trust must name. */
  readonly serviceAccountName: string;
  /** IRSA `sub` claim of that service account. */
  readonly serviceAccountSubject: string;
  /** In-cluster DNS name of the distributor Service. */
  readonly distributorHost: string;
  /** Port of the distributor Service. */
  readonly distributorPort: number;
  /** Full push URL of the distributor. */
  readonly pushUrl: string;
  /** In-cluster DNS name of the query-frontend Service. */
  readonly queryFrontendHost: string;
  /** Base URL of the query-frontend. */
  readonly queryUrl: string;
  /** In-cluster DNS name of the gateway Service, which routes queries to the query-frontend and rule APIs to the ruler. */
  readonly gatewayHost: string;
  /** Base URL of the gateway: what Grafana's data source uses, so its rules view reaches the ruler (grafana/loki#5203). */
  readonly gatewayUrl: string;
  /** Whether Loki requires the X-Scope-OrgID header. */
  readonly authEnabled: boolean;
  /** The tenant that receives logs and owns the rules ("fake" with auth off). */
  readonly tenant: string;
}

/**
 * The chart's `loki.fullname` helper: the release name when it already contains the chart name,
 * otherwise `<release>-loki`, cut to 63 characters without a trailing "-".
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/_helpers.tpl
 */
export function chartFullname(releaseName: string): string {
  const full = releaseName.includes(LOKI_CHART_NAME) ? releaseName : `${releaseName}-${LOKI_CHART_NAME}`;
  return full.slice(0, 63).replace(/-+$/, "");
}

/** Derives every shared name from the resolved settings. Pure: no cdktf, no I/O. */
export function deriveNames(settings: ResolvedSettings): Names {
  const { namespace, releaseName, serviceAccountName } = settings;
  const fullname = chartFullname(releaseName);
  const distributorHost = `${fullname}-distributor.${namespace}.svc.cluster.local`;
  const queryFrontendHost = `${fullname}-query-frontend.${namespace}.svc.cluster.local`;
  const gatewayHost = `${fullname}-gateway.${namespace}.svc.cluster.local`;
  return {
    namespace,
    releaseName,
    fullname,
    serviceAccountName,
    serviceAccountSubject: `system:serviceaccount:${namespace}:${serviceAccountName}`,
    distributorHost,
    distributorPort: LOKI_HTTP_PORT,
    pushUrl: `http://${distributorHost}:${LOKI_HTTP_PORT}${LOKI_PUSH_PATH}`,
    queryFrontendHost,
    queryUrl: `http://${queryFrontendHost}:${LOKI_HTTP_PORT}`,
    gatewayHost,
    gatewayUrl: `http://${gatewayHost}:${LOKI_GATEWAY_PORT}`,
    authEnabled: settings.authEnabled,
    tenant: settings.tenant,
  };
}
