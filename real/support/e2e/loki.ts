/**
 * The real Loki on a laptop: the files the chart's Loki pods mount from ConfigMaps and Secrets, written at their mount
 * paths under the host root; the chart's config with the listed overlay; one process running every component.
 */
import { parse } from "yaml";
import { Json } from "../../../__tests__/support/json";
import { K8sObject, lokiConfigYaml, objectNamed, Rendered } from "../render";
import { applyOverlay, LOKI_OVERLAY, Overlaid } from "./overlay";
import { E2E_TIMEOUTS, httpGet, httpPostJson, Program, Programs, waitFor } from "./processes";
import { LaptopSite, LOOPBACK } from "./site";
import { E2eStack } from "./stacks";

/**
 * How Loki's `-target=all` covers each component a Distributed render runs (Loki 3.4.2 and 3.7.6, pkg/loki/loki.go:
 * all = query-scheduler, query-frontend, querier, ingester, pattern-ingester, distributor, ruler, compactor).
 * The index gateway is the one left out: under `all` the querier reads the index itself, which is the gateway's job.
 * Separate targets in one process (`-target=distributor,ingester,querier,...`) do not work: the querier's store then
 * asks the ingester for chunk IDs, and the ingester's store asks itself, until the query times out.
 */
export const ALL_TARGET_COVERS: Readonly<Record<string, string>> = {
  distributor: "runs it",
  ingester: "runs it",
  querier: "runs it",
  "query-frontend": "runs it",
  "query-scheduler": "runs it",
  compactor: "runs it",
  ruler: "runs it",
  "pattern-ingester": "runs it",
  "index-gateway": "its querier reads the index itself",
};

/** A Loki container of a rendered workload: one that runs with `-config.file`. */
interface LokiContainer {
  readonly workload: K8sObject;
  readonly container: Json;
  readonly args: readonly string[];
}

/** Every Loki container the render runs (not the gateway, canary or caches). */
export function lokiContainers(rendered: Rendered): LokiContainer[] {
  return rendered.objects
    .filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
    .flatMap((workload) =>
      ((workload.spec?.template?.spec?.containers ?? []) as Json[])
        .map((container) => ({ workload, container, args: (container.args ?? []) as string[] }))
        .filter((c) => c.args.some((a) => a.startsWith("-config.file="))),
    );
}

/** The `-target` of each Loki container the render runs. */
export function renderedTargets(rendered: Rendered): string[] {
  return lokiContainers(rendered).flatMap((c) => c.args.filter((a) => a.startsWith("-target=")).flatMap((a) => a.slice("-target=".length).split(",")));
}

/** The data of a ConfigMap or Secret, as text. */
function sourceData(rendered: Rendered, volume: Json): Record<string, string> | undefined {
  if (volume.configMap) return (objectNamed(rendered, "ConfigMap", volume.configMap.name).data ?? {}) as Record<string, string>;
  if (volume.secret) {
    const secret = objectNamed(rendered, "Secret", volume.secret.secretName);
    const data = Object.fromEntries(Object.entries((secret.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    return { ...data, ...((secret.stringData ?? {}) as Record<string, string>) };
  }
  return undefined;
}

/**
 * The files the Loki pods read from ConfigMaps and Secrets, by node path: each volume's keys (or `items`) at the
 * container's mount path, as the kubelet projects them. Two pods that mount different content at one path fail.
 */
export function mountedFiles(rendered: Rendered, containers: readonly { readonly workload: K8sObject; readonly container: Json }[] = lokiContainers(rendered)): Map<string, string> {
  const files = new Map<string, string>();
  const put = (path: string, content: string, where: string) => {
    const before = files.get(path);
    if (before !== undefined && before !== content) throw new Error(`two Loki pods mount different files at ${path} (${where})`);
    files.set(path, content);
  };
  for (const { workload, container } of containers) {
    const volumes = new Map(((workload.spec.template.spec.volumes ?? []) as Json[]).map((v) => [v.name as string, v]));
    for (const mount of (container.volumeMounts ?? []) as Json[]) {
      const volume = volumes.get(mount.name);
      const data = volume && sourceData(rendered, volume);
      if (data === undefined) continue;
      const listed = (volume?.configMap ?? volume?.secret)?.items as Json[] | undefined;
      const items: [string, string][] = listed ? listed.map((i) => [i.path, i.key]) : Object.keys(data).map((k) => [k, k]);
      for (const [path, key] of items) {
        if (data[key] === undefined) continue;
        if (mount.subPath !== undefined) {
          if (mount.subPath === path) put(mount.mountPath, data[key], workload.metadata.name);
        } else {
          put(`${String(mount.mountPath).replace(/\/+$/, "")}/${path}`, data[key], workload.metadata.name);
        }
      }
    }
  }
  return files;
}

/** The node path every Loki container reads its config from. */
export function lokiConfigPath(rendered: Rendered): string {
  const paths = new Set(lokiContainers(rendered).flatMap((c) => c.args.filter((a) => a.startsWith("-config.file=")).map((a) => a.slice("-config.file=".length))));
  if (paths.size !== 1) throw new Error(`expected one -config.file across the Loki pods, found ${[...paths].join(", ") || "none"}`);
  return [...paths][0];
}

/**
 * An argument with its `$(VAR)` references expanded as the kubelet expands them from the container's env: a plain
 * value, or the pod's IP, which on a laptop is loopback. A reference it cannot resolve stays as written, as in
 * Kubernetes.
 */
export function expandArg(arg: string, env: readonly Json[]): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => {
    const variable = env.find((e) => e.name === name);
    if (typeof variable?.value === "string") return variable.value;
    if (variable?.valueFrom?.fieldRef?.fieldPath === "status.podIP") return LOOPBACK;
    return whole;
  });
}

/**
 * The flags every Loki container passes besides its config and target (per-component flags, such as the ingester's
 * availability zone, do not apply to one process), expanded from the container's env.
 */
function commonFlags(rendered: Rendered): string[] {
  const containers = lokiContainers(rendered);
  const perContainer = containers.map((c) => c.args.filter((a) => !a.startsWith("-config.file=") && !a.startsWith("-target=")));
  if (perContainer.length === 0) return [];
  const common = perContainer[0].filter((a) => perContainer.every((args) => args.includes(a)));
  return common.map((a) => expandArg(a, (containers[0].container.env ?? []) as Json[]));
}

/** Loki prepared on a site: its files written, its command line decided. */
export interface PreparedLoki {
  readonly site: LaptopSite;
  readonly bin: string;
  readonly args: readonly string[];
  /** The laptop path of the overlaid config. */
  readonly configFile: string;
  /** The chart's config (`config.yaml`) and the overlaid one. */
  readonly generatedYaml: string;
  readonly overlaid: Overlaid;
  /** The tenant header to send, when auth is on. */
  readonly tenant?: string;
}

/** Writes the mounted files and the overlaid config under the site's host root; returns the command line. */
export function prepareLoki(site: LaptopSite, stack: E2eStack): PreparedLoki {
  const generatedYaml = lokiConfigYaml(stack.rendered);
  const configPath = lokiConfigPath(stack.rendered);
  const files = mountedFiles(stack.rendered);
  if (files.get(configPath) !== generatedYaml) throw new Error(`the Loki pods' ${configPath} is not the chart's config.yaml`);
  for (const [path, content] of files) site.writeNodeFile(path, content);
  const overlaid = applyOverlay(generatedYaml, LOKI_OVERLAY, site);
  const configFile = site.writeNodeFile(configPath, overlaid.yaml);
  return {
    site,
    bin: stack.lokiBin,
    args: [`-config.file=${configFile}`, "-target=all", ...commonFlags(stack.rendered)],
    configFile,
    generatedYaml,
    overlaid,
    tenant: stack.authEnabled ? stack.tenant : undefined,
  };
}

/** Starts (or restarts) the prepared Loki and waits until it is ready and is this run's Loki. */
export async function startLoki(programs: Programs, prepared: PreparedLoki, label = "loki"): Promise<Program> {
  const { site } = prepared;
  const program = programs.start(label, prepared.bin, prepared.args, `${site.root}/${label}.log`, site.root);
  const client = new LokiClient(site.ports.lokiHttp);
  await waitFor(
    `${label} ready on ${LOOPBACK}:${site.ports.lokiHttp}`,
    async () => {
      const ready = await httpGet(`${client.base}/ready`, {}, 5_000);
      if (ready.status !== 200) return undefined;
      // The port answers: make sure it is this run's Loki, not another program on a reused port.
      return (await client.config()).includes(site.root) ? true : undefined;
    },
    { timeoutMs: E2E_TIMEOUTS.readyMs, intervalMs: 500, programs: [program] },
  );
  return program;
}

/** A stream pushed to Loki: its labels and its entries (time in ns, line). */
export interface PushStream {
  readonly stream: Record<string, string>;
  readonly values: readonly (readonly [string, string])[];
}

/** A query result entry with its stream labels and structured metadata (categorize-labels). */
export interface LokiEntry {
  readonly labels: Record<string, string>;
  readonly timeNs: string;
  readonly line: string;
  readonly structuredMetadata: Record<string, string>;
}

/** Loki's HTTP API on the laptop. */
export class LokiClient {
  readonly base: string;

  constructor(port: number) {
    this.base = `http://${LOOPBACK}:${port}`;
  }

  private headers(tenant?: string): Record<string, string> {
    return tenant === undefined ? {} : { "X-Scope-OrgID": tenant };
  }

  /** The config Loki runs with, every default filled in (`/config`). */
  async config(): Promise<string> {
    const response = await httpGet(`${this.base}/config`, {}, 10_000);
    if (response.status !== 200) throw new Error(`GET /config: ${response.status}`);
    return response.body;
  }

  /** Pushes streams; throws unless Loki accepts them (204). */
  async push(streams: readonly PushStream[], tenant?: string): Promise<void> {
    const response = await httpPostJson(`${this.base}/loki/api/v1/push`, { streams }, this.headers(tenant));
    if (response.status !== 204) throw new Error(`push: ${response.status} ${response.body}`);
  }

  /** Every entry a log query returns between two times, oldest first, with labels and structured metadata apart. */
  async query(logql: string, startMs: number, endMs: number, tenant?: string): Promise<LokiEntry[]> {
    const params = new URLSearchParams({
      query: logql,
      start: `${startMs}000000`,
      end: `${endMs}000000`,
      limit: "5000",
      direction: "forward",
    });
    const response = await httpGet(`${this.base}/loki/api/v1/query_range?${params}`, { ...this.headers(tenant), "X-Loki-Response-Encoding-Flags": "categorize-labels" });
    if (response.status !== 200) throw new Error(`query ${logql}: ${response.status} ${response.body}`);
    const result = JSON.parse(response.body).data.result as { stream: Record<string, string>; values: [string, string, { structuredMetadata?: Record<string, string> }?][] }[];
    return result
      .flatMap((s) => s.values.map(([timeNs, line, meta]) => ({ labels: s.stream, timeNs, line, structuredMetadata: meta?.structuredMetadata ?? {} })))
      .sort((a, b) => (BigInt(a.timeNs) < BigInt(b.timeNs) ? -1 : BigInt(a.timeNs) > BigInt(b.timeNs) ? 1 : 0));
  }

  /** The rule groups the ruler holds for a tenant, as it lists them (`/loki/api/v1/rules`, by namespace = file). */
  async ruleFiles(tenant?: string): Promise<{ status: number; body: string; files: Record<string, Json[]> }> {
    const response = await httpGet(`${this.base}/loki/api/v1/rules`, this.headers(tenant));
    return { ...response, files: response.status === 200 ? ((parse(response.body) ?? {}) as Record<string, Json[]>) : {} };
  }

  /** The ruler's state of each rule (`/prometheus/api/v1/rules`): health, last error, alerts. */
  async ruleStates(tenant?: string): Promise<Json> {
    const response = await httpGet(`${this.base}/prometheus/api/v1/rules`, this.headers(tenant));
    if (response.status !== 200) throw new Error(`GET /prometheus/api/v1/rules: ${response.status} ${response.body}`);
    return JSON.parse(response.body) as Json;
  }
}
