import { serviceAccountSubject } from "../core/kubernetes";
import type { LokiChartFacts } from "./chart";

/** What the shared names are derived from. */
export interface NamesInputs {
  /** Namespace of the Loki release. */
  readonly namespace: string;
  /** Helm release name. */
  readonly releaseName: string;
  /** Service account the chart creates for every Loki component. */
  readonly serviceAccountName: string;
}

/** Every object name two components must agree on, derived once from the release's namespace and name. */
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
  /** Loki's push path on the distributor. */
  readonly pushPath: string;
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
}

/**
 * Derives every shared name from the release's namespace, name and service account, by the naming rules and ports of
 * the chart version that creates the objects. Pure: no cdktf, no I/O.
 */
export function deriveNames(inputs: NamesInputs, chart: LokiChartFacts): Names {
  const { namespace, releaseName, serviceAccountName } = inputs;
  const fullname = chart.fullname(releaseName);
  const distributorHost = `${fullname}-distributor.${namespace}.svc.cluster.local`;
  const queryFrontendHost = `${fullname}-query-frontend.${namespace}.svc.cluster.local`;
  const gatewayHost = `${fullname}-gateway.${namespace}.svc.cluster.local`;
  return {
    namespace,
    releaseName,
    fullname,
    serviceAccountName,
    serviceAccountSubject: serviceAccountSubject(namespace, serviceAccountName),
    distributorHost,
    distributorPort: chart.httpPort,
    pushPath: chart.pushPath,
    pushUrl: `http://${distributorHost}:${chart.httpPort}${chart.pushPath}`,
    queryFrontendHost,
    queryUrl: `http://${queryFrontendHost}:${chart.httpPort}`,
    gatewayHost,
    gatewayUrl: `http://${gatewayHost}:${chart.gatewayPort}`,
  };
}
