import { ConfigError } from "../core/validation";
import { DEFAULT_CHART_VERSION, LOKI_CHART_VERSIONS, LokiChartFacts, LokiChartVersion } from "./chart";
import { CHART_18_11_0 } from "./charts/chart-18.11.0";
import { CHART_6_29_0 } from "./charts/chart-6.29.0";

/** The facts of every Loki chart version the stack knows, by version. */
export const LOKI_CHARTS: Readonly<Record<LokiChartVersion, LokiChartFacts>> = {
  "18.11.0": CHART_18_11_0,
  "6.29.0": CHART_6_29_0,
};

/** The chart deployed by default. */
export const LOKI_CHART: LokiChartFacts = LOKI_CHARTS[DEFAULT_CHART_VERSION];
/** Helm repository of the chart deployed by default. */
export const DEFAULT_CHART_REPOSITORY = LOKI_CHART.repository;

/** True for a chart version the stack knows. */
export function isLokiChartVersion(version: unknown): version is LokiChartVersion {
  return typeof version === "string" && (LOKI_CHART_VERSIONS as readonly string[]).includes(version);
}

/**
 * The facts of a chart version. A version the stack does not know fails with one ConfigError that names the known
 * ones: the values differ per version, so a version the stack has not been proven with is never deployed by accident.
 * @param setting the setting's name in messages
 */
export function lokiChartFacts(version: unknown = DEFAULT_CHART_VERSION, setting = "chartVersion"): LokiChartFacts {
  if (!isLokiChartVersion(version)) {
    const known = LOKI_CHART_VERSIONS.map((v) => `"${v}" (Loki ${LOKI_CHARTS[v].lokiVersion}, ${LOKI_CHARTS[v].repository})`).join(" or ");
    throw new ConfigError(
      setting,
      version,
      `one of the chart versions the stack knows: ${known}`,
      "the chart values differ between versions, so the stack deploys only the versions it has been proven with",
    );
  }
  return LOKI_CHARTS[version];
}

/**
 * The objects of a release whose immutable field (a StatefulSet's serviceName, a Service's headlessness) differs between
 * this chart version and another one the stack knows: what an upgrade or downgrade between them cannot change in place.
 * An object only one version renders is not listed: it is created or deleted, not changed.
 */
export function immutablesChanging(chart: LokiChartFacts, fullname: string): { readonly statefulSets: string[]; readonly services: string[] } {
  const own = chart.immutables(fullname);
  const others = LOKI_CHART_VERSIONS.filter((v) => v !== chart.version).map((v) => LOKI_CHARTS[v].immutables(fullname));
  const differs = <T>(mine: Readonly<Record<string, T>>, pick: (other: ReturnType<LokiChartFacts["immutables"]>) => Readonly<Record<string, T>>) =>
    Object.keys(mine).filter((name) => others.some((other) => name in pick(other) && pick(other)[name] !== mine[name]));
  return {
    statefulSets: differs(own.statefulSetServiceNames, (o) => o.statefulSetServiceNames),
    services: differs(own.headlessServices, (o) => o.headlessServices),
  };
}
