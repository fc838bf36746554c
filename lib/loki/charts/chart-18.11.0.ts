import {
  ChartImmutables,
  chartFullname,
  COMPONENT_SUFFIXES,
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
import { chart18110Values } from "./values-18.11.0";

/**
 * StatefulSet serviceNames and headless Services as chart 18.11.0 renders them (measured with the real chart): every
 * component has a Service with a cluster IP and a `-headless` one, and every StatefulSet names the headless one
 * (the ruler's since 7.x, the zone ingesters' since 6.34.0).
 */
function immutables18110(f: string): ChartImmutables {
  const zones = INGESTER_ZONES.map((zone) => `${f}-ingester-${zone}`);
  const components = Object.values(COMPONENT_SUFFIXES).map((suffix) => `${f}-${suffix}`);
  return {
    statefulSetServiceNames: {
      [`${f}-ingester`]: `${f}-ingester-headless`,
      ...Object.fromEntries(zones.map((zone) => [zone, `${zone}-headless`])),
      [`${f}-compactor`]: `${f}-compactor-headless`,
      [`${f}-index-gateway`]: `${f}-index-gateway-headless`,
      [`${f}-ruler`]: `${f}-ruler-headless`,
      [`${f}-chunks-cache`]: `${f}-chunks-cache`,
      [`${f}-results-cache`]: `${f}-results-cache`,
    },
    headlessServices: {
      ...Object.fromEntries(components.flatMap((service) => [[service, false], [`${service}-headless`, true]])),
      ...Object.fromEntries(zones.map((zone) => [`${zone}-headless`, true])),
      [`${f}-memberlist`]: true,
      [`${f}-chunks-cache`]: true,
      [`${f}-results-cache`]: true,
      [`${f}-gateway`]: false,
      [`${f}-gateway-exporter`]: false,
      [`${f}-canary`]: false,
    },
  };
}

/**
 * `grafana-community/loki` 18.11.0, which runs Loki 3.7.6: the open-source chart since it moved out of the Grafana
 * repository (grafana/loki#20705).
 * @see https://github.com/grafana-community/helm-charts/tree/main/charts/loki
 */
export const CHART_18_11_0: LokiChartFacts = {
  name: LOKI_CHART_NAME,
  repository: "https://grafana-community.github.io/helm-charts",
  version: "18.11.0",
  lokiVersion: "3.7.6",
  fluentBitVersion: "5.1.1",
  httpPort: LOKI_HTTP_PORT,
  gatewayPort: LOKI_GATEWAY_PORT,
  pushPath: LOKI_PUSH_PATH,
  rulesDirectory: RULES_DIRECTORY,
  schemaPeriods: SCHEMA_PERIODS,
  bundledMinio: "transition-only",
  // The claim template writes a claim's accessModes as they are: a claim without them would have none.
  claimAccessModes: ["ReadWriteOnce"],
  // Every location of the gateway's nginx config repeats `gateway.nginxConfig.locationSnippet` (grafana/loki#18414).
  extraObjectsForm: "map",
  gatewayTenantIsolation: "isolates",
  fullname: chartFullname,
  rulerRulesDirName,
  immutables: immutables18110,
  versionValues: chart18110Values,
};
