import {
  chartFullname,
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
  fullname: chartFullname,
  rulerRulesDirName,
  versionValues: chart18110Values,
};
