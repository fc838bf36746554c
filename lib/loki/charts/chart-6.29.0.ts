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
import { chart6290Values } from "./values-6.29.0";

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
  fullname: chartFullname,
  rulerRulesDirName,
  versionValues: chart6290Values,
};
