/**
 * What an upgrade between two chart versions must keep, read from the real renders and the synthesized Terraform: the
 * objects that hold data or identity, and the fields Kubernetes cannot change in place.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { Json } from "../../__tests__/support/json";
import { PROCESS_TIMEOUT_MS } from "../../__tests__/support/processes";
import { Synthesized } from "../../__tests__/support/synth";
import { programPath } from "./programs";
import { K8sObject, lokiConfigYaml, ofKind, Rendered } from "./render";

/** The parts of the Loki config that say where data is and how it is laid out. */
export interface StorageConfig {
  readonly schema: Json;
  readonly common: Json;
  readonly storageConfig: Json;
  readonly rulerStorage: Json;
  readonly compactor: Json;
  readonly retention: unknown;
}

/** Where the rendered Loki config keeps data: schema periods, stores, ruler storage, compactor, retention. */
export function storageConfig(rendered: Rendered): StorageConfig {
  const config = parse(lokiConfigYaml(rendered)) as Json;
  return {
    schema: config.schema_config,
    common: config.common?.storage,
    storageConfig: config.storage_config,
    rulerStorage: config.ruler?.storage,
    compactor: { retention_enabled: config.compactor?.retention_enabled, delete_request_store: config.compactor?.delete_request_store },
    retention: config.limits_config?.retention_period,
  };
}

/** A volume claim template as it identifies a volume: its name, access modes, class and size. */
const claimOf = (template: Json): Json => ({
  name: template.metadata?.name,
  accessModes: template.spec?.accessModes ?? null,
  storageClassName: template.spec?.storageClassName ?? null,
  storage: template.spec?.resources?.requests?.storage,
});

/** Every StatefulSet that holds volumes, by name, with its claim templates. */
export function volumeClaims(rendered: Rendered): Record<string, Json[]> {
  return Object.fromEntries(
    ofKind(rendered, "StatefulSet")
      .filter((s) => (s.spec?.volumeClaimTemplates ?? []).length > 0)
      .map((s) => [s.metadata.name, (s.spec.volumeClaimTemplates as Json[]).map(claimOf)]),
  );
}

/** Each StatefulSet's serviceName and each Service's headlessness, by name. */
export function immutableFields(rendered: Rendered): { statefulSetServiceNames: Record<string, string>; headlessServices: Record<string, boolean> } {
  return {
    statefulSetServiceNames: Object.fromEntries(ofKind(rendered, "StatefulSet").map((s) => [s.metadata.name, String(s.spec.serviceName)])),
    headlessServices: Object.fromEntries(ofKind(rendered, "Service").map((s) => [s.metadata.name, s.spec.clusterIP === "None"])),
  };
}

/**
 * Every field that Kubernetes cannot change in place and that differs between two renders of the same release, on
 * objects both render: StatefulSet `serviceName`, `selector`, `podManagementPolicy` and claim templates; Deployment
 * and DaemonSet `selector`; Service headlessness. As `<kind>/<name>.<field>`.
 */
export function immutableDifferences(before: Rendered, after: Rendered): string[] {
  const differences: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const next of after.objects) {
    const prior = before.objects.find((o) => o.kind === next.kind && o.metadata.name === next.metadata.name);
    if (prior === undefined) continue;
    const at = `${next.kind}/${next.metadata.name}`;
    if (["StatefulSet", "Deployment", "DaemonSet"].includes(next.kind) && !same(prior.spec.selector, next.spec.selector)) differences.push(`${at}.selector`);
    if (next.kind === "StatefulSet") {
      if (prior.spec.serviceName !== next.spec.serviceName) differences.push(`${at}.serviceName`);
      if ((prior.spec.podManagementPolicy ?? "OrderedReady") !== (next.spec.podManagementPolicy ?? "OrderedReady")) differences.push(`${at}.podManagementPolicy`);
      const claims = (s: K8sObject) => ((s.spec.volumeClaimTemplates ?? []) as Json[]).map(claimOf);
      if (!same(claims(prior), claims(next))) differences.push(`${at}.volumeClaimTemplates`);
    }
    if (next.kind === "Service" && (prior.spec.clusterIP === "None") !== (next.spec.clusterIP === "None")) differences.push(`${at}.clusterIP`);
  }
  return differences.sort();
}

/** The Terraform resources that hold data or identity: every AWS resource and the storage class, by address. */
export function statefulResources(json: Synthesized): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(json.resource)
      .filter(([type]) => type.startsWith("aws_") || type === "kubernetes_storage_class_v1")
      .flatMap(([type, byName]) => Object.entries(byName).map(([name, block]) => [`${type}.${name}`, block])),
  );
}

/** Every resource address of a stack. */
export function resourceAddresses(json: Synthesized): string[] {
  return Object.entries(json.resource).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)).sort();
}

/** An object without the labels and annotations a chart version or a values checksum writes, for comparing content. */
export function withoutVersionMarks(object: K8sObject): Json {
  const copy = JSON.parse(JSON.stringify(object)) as Json;
  for (const meta of [copy.metadata, copy.spec?.template?.metadata]) {
    if (meta === undefined) continue;
    for (const field of ["labels", "annotations"]) {
      if (meta[field] === undefined) continue;
      for (const key of Object.keys(meta[field])) if (/^(chart|helm\.sh\/chart|app\.kubernetes\.io\/version|checksum\/.*)$/.test(key)) delete meta[field][key];
    }
  }
  return copy;
}

/**
 * Renders a release of another chart (a directory or a packaged .tgz) with `helm template`, as renderLoki does for the
 * Loki chart: the MinIO release, with the MinIO chart both Loki charts bundle.
 */
export function renderChart(release: string, namespace: string, chart: string, valuesYaml: string): Rendered {
  const dir = mkdtempSync(join(tmpdir(), "chart-render-"));
  try {
    const valuesFile = join(dir, "values.yaml");
    writeFileSync(valuesFile, valuesYaml);
    const helm = spawnSync(programPath("helm"), ["template", release, chart, "-n", namespace, "-f", valuesFile], { encoding: "utf8", maxBuffer: 64 << 20, timeout: PROCESS_TIMEOUT_MS });
    if (helm.error) throw helm.error;
    const objects = helm.status === 0 ? parseAllDocuments(helm.stdout).map((d) => d.toJSON() as K8sObject | null).filter((o): o is K8sObject => o !== null) : [];
    return { status: helm.status ?? 1, stderr: helm.stderr, objects };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
