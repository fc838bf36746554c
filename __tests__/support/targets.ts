/**
 * What the stack hands the agents and the data source about a Loki release, derived from the release's names as
 * the stack does, for tests that build one part on its own.
 */
import type { LokiPushTarget } from "../../lib/fluent-bit/props";
import type { LokiQueryTarget } from "../../lib/grafana/loki-datasource";
import { LOKI_CHART } from "../../lib/loki/chart-versions";
import { deriveNames, Names } from "../../lib/loki/names";

/** The names of a release in a namespace, by the default chart version's rules, with the stack's default service account. */
export const releaseNames = (releaseName = "loki", namespace = "loki"): Names => deriveNames({ namespace, releaseName, serviceAccountName: "loki" }, LOKI_CHART);

/** Where the agents push for a release; with a tenant when auth is on. */
export function pushTarget(releaseName = "loki", namespace = "loki", tenant?: string): LokiPushTarget {
  const names = releaseNames(releaseName, namespace);
  return { host: names.distributorHost, port: names.distributorPort, path: names.pushPath, tenant };
}

/** What Grafana queries for a release (its gateway); with a tenant when auth is on. */
export function queryTarget(releaseName = "loki", namespace = "loki", tenant?: string): LokiQueryTarget {
  const names = releaseNames(releaseName, namespace);
  return { queryUrl: names.gatewayUrl, fullname: names.fullname, releaseName, tenant };
}
