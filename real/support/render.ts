/**
 * `helm template` with the real chart of the stack's version: the objects Helm would apply, and the Loki config
 * every Loki component reads.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { Json } from "../../__tests__/support/json";
import { PROCESS_TIMEOUT_MS } from "../../__tests__/support/processes";
import { programPath } from "./programs";
import { runProgram } from "./run-program";
import { RealStack } from "./stacks";
import { versionPrograms } from "./versions";

/** A rendered Kubernetes object. */
export type K8sObject = Json & { readonly apiVersion: string; readonly kind: string; readonly metadata: Json & { readonly name: string } };

/** What `helm template` printed. */
export interface Rendered {
  /** Helm's exit status: 0 when the chart (templates, validate.yaml, values.schema.json) accepted the values. */
  readonly status: number;
  readonly stderr: string;
  readonly objects: readonly K8sObject[];
}

/** The objects of one kind. */
export function ofKind(rendered: Rendered, kind: string): K8sObject[] {
  return rendered.objects.filter((o) => o.kind === kind);
}

/** The one object of a kind and name; throws when there is none. */
export function objectNamed(rendered: Rendered, kind: string, name: string): K8sObject {
  const found = rendered.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) {
    throw new Error(`no ${kind} ${name} in the render; the ${kind}s are: ${ofKind(rendered, kind).map((o) => o.metadata.name).join(", ") || "none"}`);
  }
  return found;
}

/** The API versions a cluster with the Prometheus Operator serves beyond Kubernetes' own (`helm template -a`). */
export const PROMETHEUS_OPERATOR_API_VERSIONS: readonly string[] = ["monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PrometheusRule"];

/**
 * The extra API versions the stack's cluster serves, as the stack itself states it: the Prometheus Operator's when it
 * creates operator objects (kube-prometheus-stack, or `monitoring.operatorObjects`), none otherwise. The chart renders
 * its ServiceMonitor and PrometheusRules only where the cluster serves them.
 */
export function clusterApiVersions(stack: RealStack): readonly string[] {
  return stack.stack.settings.monitoring.operatorObjects ? PROMETHEUS_OPERATOR_API_VERSIONS : [];
}

/** `helm template` for the stack's release, with its values in `dir`. */
function helmTemplate(stack: RealStack, dir: string, apiVersions: readonly string[]): { readonly helm: string; readonly args: string[] } {
  const { release } = stack;
  const chartDir = programPath(versionPrograms(release.version).chart);
  const valuesFile = join(dir, "values.yaml");
  writeFileSync(valuesFile, release.valuesYaml);
  const args = ["template", release.name, chartDir, "-n", release.namespace, "-f", valuesFile, ...apiVersions.flatMap((a) => ["-a", a])];
  return { helm: programPath("helm"), args };
}

/** What Helm printed, as objects: none unless it succeeded. */
function rendered(status: number, stdout: string, stderr: string): Rendered {
  const objects = status === 0 ? parseAllDocuments(stdout).map((d) => d.toJSON() as K8sObject | null).filter((o): o is K8sObject => o !== null) : [];
  return { status, stderr, objects };
}

/**
 * Renders the stack's Loki release with the chart of its version, as `helm template` does.
 * @param apiVersions extra API versions the cluster serves (`-a`), such as `monitoring.coreos.com/v1/ServiceMonitor`
 */
export function renderLoki(stack: RealStack, apiVersions: readonly string[] = []): Rendered {
  const dir = mkdtempSync(join(tmpdir(), "loki-render-"));
  try {
    const { helm, args } = helmTemplate(stack, dir, apiVersions);
    const run = spawnSync(helm, args, { encoding: "utf8", maxBuffer: 256 << 20, timeout: PROCESS_TIMEOUT_MS });
    if (run.error) throw run.error;
    return rendered(run.status ?? 1, run.stdout, run.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** renderLoki without blocking the worker (real/support/run-program.ts), for rendering many stacks side by side. */
export async function renderLokiAsync(stack: RealStack, apiVersions: readonly string[] = []): Promise<Rendered> {
  const dir = mkdtempSync(join(tmpdir(), "loki-render-"));
  try {
    const { helm, args } = helmTemplate(stack, dir, apiVersions);
    const run = await runProgram(helm, args);
    return rendered(run.status, run.stdout, run.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Loki config every component reads: `config.yaml` of the chart's config ConfigMap (or Secret). */
export function lokiConfigYaml(rendered: Rendered): string {
  const holders = rendered.objects.filter((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && typeof (o.data?.["config.yaml"] ?? o.stringData?.["config.yaml"]) === "string");
  if (holders.length !== 1) throw new Error(`expected one config.yaml in the render, found ${holders.length}`);
  const holder = holders[0];
  if (holder.kind === "Secret" && holder.data?.["config.yaml"] !== undefined) return Buffer.from(String(holder.data["config.yaml"]), "base64").toString("utf8");
  return String(holder.data?.["config.yaml"] ?? holder.stringData["config.yaml"]);
}
