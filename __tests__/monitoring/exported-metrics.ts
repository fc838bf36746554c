/**
 * The metric names the programs of each chart version really export, read from the running programs
 * (fixtures/metrics/*.txt: "<name> <type>" per line): Loki, its canary and Fluent Bit 3.4.2 / 4.0.1 beside chart 6.29.0,
 * 3.7.6 / 5.1.1 beside chart 18.11.0. Histograms and summaries expand to the series Prometheus stores.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LokiChartVersion } from "../../lib/loki/chart";
import { LOKI_CHARTS } from "../../lib/loki/chart-versions";

/** The programs the platform's rules and dashboards may read. */
export type Exporter = "loki" | "canary" | "fluent-bit" | "fluent-bit-v1";

/** The fixture of one program at the versions a chart version runs. */
function fileOf(exporter: Exporter, chartVersion: LokiChartVersion): string {
  const { lokiVersion, fluentBitVersion } = LOKI_CHARTS[chartVersion];
  switch (exporter) {
    case "loki":
      return `metrics-loki-${lokiVersion}.txt`;
    case "canary":
      return `metrics-loki-canary-${lokiVersion}.txt`;
    // The PodMonitor scrapes /api/v2/metrics/prometheus; /api/v1 is the older endpoint, without the storage metrics.
    case "fluent-bit":
      return `metrics-fluent-bit-${fluentBitVersion}.txt`;
    case "fluent-bit-v1":
      return `metrics-fluent-bit-${fluentBitVersion}-v1.txt`;
  }
}

/** The series names one `# TYPE` entry stands for. */
function seriesOf(name: string, type: string): string[] {
  if (type === "histogram") return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === "summary") return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

const cache = new Map<string, Set<string>>();

/** Every series name one program exports, at the version the chart version runs. */
export function exportedMetrics(exporter: Exporter, chartVersion: LokiChartVersion): Set<string> {
  const file = fileOf(exporter, chartVersion);
  const cached = cache.get(file);
  if (cached) return cached;
  const text = readFileSync(join(__dirname, "..", "fixtures", "metrics", file), "utf8");
  const names = text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .flatMap((line) => {
      const [name, type] = line.trim().split(/\s+/);
      return seriesOf(name, type);
    });
  const set = new Set(names);
  cache.set(file, set);
  return set;
}
