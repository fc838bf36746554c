/**
 * The metric names Loki 3.4.2, its canary and Fluent Bit 4.0.1 really export, read from the running programs
 * (fixtures/metrics/*.txt: "<name> <type>" per line). Histograms and summaries expand to the series Prometheus stores.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The programs the platform's rules and dashboards may read. */
export type Exporter = "loki" | "canary" | "fluent-bit";

const FILES: Readonly<Record<Exporter, string>> = {
  loki: "metrics-loki-3.4.2.txt",
  canary: "metrics-loki-canary-3.4.2.txt",
  // The PodMonitor scrapes /api/v2/metrics/prometheus.
  "fluent-bit": "metrics-fluent-bit-4.0.1.txt",
};

/** The series names one `# TYPE` entry stands for. */
function seriesOf(name: string, type: string): string[] {
  if (type === "histogram") return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === "summary") return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** Every series name one program exports. */
export function exportedMetrics(exporter: Exporter): Set<string> {
  const text = readFileSync(join(__dirname, "..", "fixtures", "metrics", FILES[exporter]), "utf8");
  const names = text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .flatMap((line) => {
      const [name, type] = line.trim().split(/\s+/);
      return seriesOf(name, type);
    });
  return new Set(names);
}
