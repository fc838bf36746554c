import {
  ChartImmutables,
  chartFullname,
  INGESTER_ZONES,
  LOKI_CHART_NAME,
  LOKI_GATEWAY_PORT,
  LOKI_HTTP_PORT,
  LOKI_PUSH_PATH,
  LokiChartFacts,
  RULES_DIRECTORY,
  rulerRulesDirName,
  SCHEMA_PERIODS,
} from "../chart";
import { chart6290Values } from "./values-6.29.0";

/**
 * StatefulSet serviceNames and headless Services as chart 6.29.0 renders them (measured with the real chart): the
 * ruler's and the zone ingesters' StatefulSets name their own Service, and the ruler's and query-scheduler's Services
 * are headless.
 */
function immutables6290(f: string): ChartImmutables {
  const zones = INGESTER_ZONES.map((zone) => `${f}-ingester-${zone}`);
  return {
    statefulSetServiceNames: {
      [`${f}-ingester`]: `${f}-ingester-headless`,
      ...Object.fromEntries(zones.map((zone) => [zone, zone])),
      [`${f}-compactor`]: `${f}-compactor-headless`,
      [`${f}-index-gateway`]: `${f}-index-gateway-headless`,
      [`${f}-ruler`]: `${f}-ruler`,
      [`${f}-chunks-cache`]: `${f}-chunks-cache`,
      [`${f}-results-cache`]: `${f}-results-cache`,
    },
    headlessServices: {
      [`${f}-distributor`]: false,
      [`${f}-distributor-headless`]: true,
      [`${f}-ingester`]: false,
      [`${f}-ingester-headless`]: true,
      ...Object.fromEntries(zones.map((zone) => [`${zone}-headless`, true])),
      [`${f}-querier`]: false,
      [`${f}-query-frontend`]: false,
      [`${f}-query-frontend-headless`]: true,
      [`${f}-query-scheduler`]: true,
      [`${f}-index-gateway`]: false,
      [`${f}-index-gateway-headless`]: true,
      [`${f}-compactor`]: false,
      [`${f}-ruler`]: true,
      // The memberlist Service and the canary's objects are named after the chart, not the release, in 6.x.
      [`${LOKI_CHART_NAME}-memberlist`]: true,
      [`${f}-chunks-cache`]: true,
      [`${f}-results-cache`]: true,
      [`${f}-gateway`]: false,
      [`${LOKI_CHART_NAME}-canary`]: false,
    },
  };
}

/**
 * `grafana/loki` 6.29.0, the last chart on Loki 3.4.2: the seed's version. Since 2026-03-16 the chart in the Grafana
 * repository is maintained for Grafana Enterprise Logs only (grafana/loki#20705); it stays selectable for stacks
 * deployed with it, until they upgrade.
 * @see https://github.com/grafana/loki/tree/helm-loki-6.29.0/production/helm/loki
 */
export const CHART_6_29_0: LokiChartFacts = {
  name: LOKI_CHART_NAME,
  repository: "https://grafana.github.io/helm-charts",
  version: "6.29.0",
  lokiVersion: "3.4.2",
  fluentBitVersion: "4.0.1",
  httpPort: LOKI_HTTP_PORT,
  gatewayPort: LOKI_GATEWAY_PORT,
  pushPath: LOKI_PUSH_PATH,
  rulesDirectory: RULES_DIRECTORY,
  schemaPeriods: SCHEMA_PERIODS,
  bundledMinio: "supported",
  extraObjectsForm: "list",
  gatewayTenantIsolation: {
    bug:
      "chart 6.29.0's gateway sets X-Scope-OrgID from the authenticated user only at nginx's http level, and its query locations set headers of their own, " +
      "which drops the inherited one: every query reaches Loki without a tenant, and a client's own X-Scope-OrgID passes straight through, so one tenant reads another's logs " +
      "(grafana/loki#16938, fixed by grafana/loki#18414, which chart 18.11.0 includes; 6.29.0 also takes no passwordHash, only plain passwords)",
  },
  fullname: chartFullname,
  rulerRulesDirName,
  immutables: immutables6290,
  versionValues: chart6290Values,
};
