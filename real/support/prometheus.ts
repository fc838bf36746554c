/**
 * The standalone `prometheus` chart's Prometheus on a laptop: the chart rendered with the values the stack prints for
 * it, its `prometheus.yml` run by the real Prometheus (PROMETHEUS_BIN) with the listed overlay, the files its pod
 * mounts from ConfigMaps written at their mount paths under a pod root, and Kubernetes discovery replaced by files that
 * carry the `__meta_kubernetes_*` labels of the rendered objects (Debian's Prometheus is built without the Kubernetes
 * discovery, and there is no cluster): every scrape job's relabel rules are the chart's, run by Prometheus itself.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, Server, Socket, connect } from "node:net";
import { dirname, join } from "node:path";
import { parseAllDocuments, parseDocument } from "yaml";
import { Json } from "../../__tests__/support/json";
import { Labels } from "../../__tests__/support/kubernetes-sd";
import { E2E_TIMEOUTS, httpGet, Program, Programs, waitFor } from "./e2e/processes";
import { LOOPBACK } from "./e2e/site";
import { programPath } from "./programs";
import { K8sObject, Rendered } from "./render";
import { runProgram } from "./run-program";

/** The release and namespace of the standalone chart in the reference deployment (and the stack's default). */
export const PROMETHEUS_RELEASE = { name: "prometheus", namespace: "prometheus" } as const;

/** The CA a pod's service account mounts: a throwaway self-signed certificate (no key kept), so that Prometheus can read the file. */
export const SERVICE_ACCOUNT_CA_FIXTURE = join(__dirname, "..", "..", "__tests__", "fixtures", "prometheus", "serviceaccount-ca.crt");
/** Where the kubelet projects a pod's service account token and CA. */
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The Kubernetes discovery roles the chart's jobs use, each fed from one file. */
export const SD_ROLES = ["pod", "endpointslice", "service", "node"] as const;
/** One Kubernetes discovery role. */
export type SdRole = (typeof SD_ROLES)[number];

/** Test time only: how often the laptop's Prometheus scrapes and evaluates (the chart's default is 1m). */
export const LAPTOP_INTERVAL = "2s";

/**
 * Every change the laptop makes to the chart's rendered `prometheus.yml`, each with the config paths it touches (as
 * `pathText` writes them) and why. prometheus-scrape.test.ts checks that the laptop config differs from the rendered
 * one only at these paths.
 */
export const PROMETHEUS_OVERLAY: readonly { readonly paths: RegExp; readonly why: string }[] = [
  { paths: /^global\.(scrape_interval|scrape_timeout|evaluation_interval)$/, why: `${LAPTOP_INTERVAL}: test time only; the rules' rate windows (5m) hold two samples after a few seconds` },
  {
    paths: /\.(kubernetes_sd_configs|file_sd_configs)$/,
    why: "every kubernetes_sd_configs (scrape jobs and alertmanagers) becomes file_sd_configs: no cluster, and Debian's Prometheus has no Kubernetes discovery; a file per role carries the targets with the __meta_kubernetes_* labels of the rendered objects",
  },
  { paths: /^rule_files\[\d+\]$|\.bearer_token_file$|\.tls_config\.ca_file$/, why: "pod paths: under the pod root, where the ConfigMaps and the service account are written" },
  { paths: /^scrape_configs\[\d+\]\.static_configs\[0\]\.targets\[0\]$/, why: "the prometheus job's target localhost:9090 becomes this Prometheus' own free port: 9090 may be taken" },
];

/** A rendered object of a kind and name; throws when there is none. */
function only(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name} in the prometheus chart's render, found ${found.length}`);
  return found[0];
}

/** `helm template` of the standalone chart (PROMETHEUS_CHART_DIR) with the given values. */
export async function renderPrometheusChart(valuesYaml: string, dir: string): Promise<Rendered> {
  mkdirSync(dir, { recursive: true });
  const valuesFile = join(dir, "values.yaml");
  writeFileSync(valuesFile, valuesYaml);
  const run = await runProgram(programPath("helm"), ["template", PROMETHEUS_RELEASE.name, programPath("prometheusChart"), "-n", PROMETHEUS_RELEASE.namespace, "-f", valuesFile]);
  const objects = run.status === 0 ? parseAllDocuments(run.stdout).map((d) => d.toJSON() as K8sObject | null).filter((o): o is K8sObject => o !== null) : [];
  return { status: run.status, stderr: run.stderr, objects };
}

/** The `prometheus.yml` the chart renders (its server ConfigMap). */
export function renderedPrometheusYml(rendered: Rendered): string {
  return String(only(rendered.objects, "ConfigMap", "prometheus-server").data["prometheus.yml"]);
}

/** The Prometheus server container of the chart's Deployment, and the pod's volumes. */
export function serverContainer(rendered: Rendered): { container: Json; volumes: Json[] } {
  const deployment = only(rendered.objects, "Deployment", "prometheus-server");
  const spec = deployment.spec.template.spec;
  const container = (spec.containers as Json[]).find((c) => c.name === "prometheus-server");
  if (container === undefined) throw new Error("no prometheus-server container in the chart's Deployment");
  return { container, volumes: spec.volumes as Json[] };
}

/**
 * The files a container reads from ConfigMap volumes, by pod path: each ConfigMap's keys at the mount path, as the
 * kubelet projects them. ConfigMaps come from the render, or from `extra` (those the stack creates).
 */
export function configMapFiles(rendered: Rendered, container: Json, volumes: readonly Json[], extra: Readonly<Record<string, Readonly<Record<string, string>>>>): Map<string, string> {
  const files = new Map<string, string>();
  for (const mount of (container.volumeMounts ?? []) as Json[]) {
    const volume = volumes.find((v) => v.name === mount.name);
    const name = volume?.configMap?.name as string | undefined;
    if (name === undefined) continue;
    const data = (extra[name] ?? rendered.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name)?.data) as Record<string, string> | undefined;
    if (data === undefined) throw new Error(`the Prometheus pod mounts ConfigMap ${name}, which neither the chart nor the stack creates`);
    for (const [key, text] of Object.entries(data)) files.set(`${String(mount.mountPath).replace(/\/+$/, "")}/${key}`, text);
  }
  return files;
}

/** Where a laptop run of Prometheus keeps its files. */
export interface PrometheusLaptop {
  /** The directory that plays the Prometheus pod's filesystem root. */
  readonly podRoot: string;
  /** The discovery file of each role. */
  readonly sdFiles: Readonly<Record<SdRole, string>>;
  /** Prometheus' own listen port. */
  readonly port: number;
}

/** A pod path under the laptop's pod root. */
export function podPath(laptop: PrometheusLaptop, path: string): string {
  return join(laptop.podRoot, path);
}

/** Writes the pod's files (ConfigMaps, service account) under the pod root. */
export function writePodFiles(laptop: PrometheusLaptop, files: ReadonlyMap<string, string>): void {
  const all = new Map(files);
  all.set(`${SERVICE_ACCOUNT_DIR}/token`, "laptop-token");
  all.set(`${SERVICE_ACCOUNT_DIR}/ca.crt`, readFileSync(SERVICE_ACCOUNT_CA_FIXTURE, "utf8"));
  all.set(`${SERVICE_ACCOUNT_DIR}/namespace`, PROMETHEUS_RELEASE.namespace);
  for (const [path, text] of all) {
    const file = podPath(laptop, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

/** Writes each role's targets as a file_sd file: one target group per target, its labels as the group's labels. */
export function writeDiscovery(laptop: PrometheusLaptop, targets: Readonly<Record<SdRole, readonly Labels[]>>): void {
  for (const role of SD_ROLES) {
    const groups = targets[role].map(({ __address__, ...labels }) => ({ targets: [__address__], labels }));
    mkdirSync(dirname(laptop.sdFiles[role]), { recursive: true });
    writeFileSync(laptop.sdFiles[role], JSON.stringify(groups, null, 1));
  }
}

/** The chart's rendered `prometheus.yml` with the listed overlay (PROMETHEUS_OVERLAY), edited in place. */
export function laptopPrometheusYml(renderedYml: string, laptop: PrometheusLaptop): string {
  const doc = parseDocument(renderedYml);
  const config = doc.toJS() as Json;
  for (const key of ["scrape_interval", "scrape_timeout", "evaluation_interval"]) doc.setIn(["global", key], LAPTOP_INTERVAL);
  const withSd = (path: (string | number)[], node: Json) => {
    const sd = node.kubernetes_sd_configs as Json[] | undefined;
    if (sd === undefined) return;
    if (sd.length !== 1) throw new Error(`expected one kubernetes_sd_config at ${path.join(".")}`);
    doc.deleteIn([...path, "kubernetes_sd_configs"]);
    doc.setIn([...path, "file_sd_configs"], [{ files: [laptop.sdFiles[sd[0].role as SdRole]] }]);
  };
  const files = (path: (string | number)[], node: Json) => {
    if (typeof node.bearer_token_file === "string") doc.setIn([...path, "bearer_token_file"], podPath(laptop, node.bearer_token_file));
    if (typeof node.tls_config?.ca_file === "string") doc.setIn([...path, "tls_config", "ca_file"], podPath(laptop, node.tls_config.ca_file));
  };
  (config.scrape_configs as Json[]).forEach((job, i) => {
    withSd(["scrape_configs", i], job);
    files(["scrape_configs", i], job);
    (job.static_configs as Json[] | undefined)?.forEach((sc, j) =>
      (sc.targets as string[]).forEach((t, k) => {
        if (job.job_name === "prometheus" && t === "localhost:9090") doc.setIn(["scrape_configs", i, "static_configs", j, "targets", k], `${LOOPBACK}:${laptop.port}`);
      }),
    );
  });
  ((config.alerting?.alertmanagers ?? []) as Json[]).forEach((am, i) => {
    withSd(["alerting", "alertmanagers", i], am);
    files(["alerting", "alertmanagers", i], am);
  });
  (config.rule_files as string[]).forEach((file, i) => doc.setIn(["rule_files", i], podPath(laptop, file)));
  return String(doc);
}

/** Starts Prometheus (PROMETHEUS_BIN) with a config file and waits until it is ready. */
export async function startPrometheus(programs: Programs, configFile: string, dataDir: string, port: number, logFile: string): Promise<Program> {
  mkdirSync(dataDir, { recursive: true });
  const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=${LOOPBACK}:${port}`];
  const program = programs.start("prometheus", programPath("prometheus"), args, logFile, dirname(dataDir));
  await waitFor(
    `prometheus ready on ${LOOPBACK}:${port}`,
    async () => ((await httpGet(`http://${LOOPBACK}:${port}/-/ready`, {}, 5_000)).status === 200 ? true : undefined),
    { timeoutMs: E2E_TIMEOUTS.readyMs, programs: [program] },
  );
  return program;
}

/** Prometheus' HTTP API on the laptop. */
export class PrometheusClient {
  readonly base: string;

  constructor(port: number) {
    this.base = `http://${LOOPBACK}:${port}`;
  }

  private async api(path: string): Promise<Json> {
    const response = await httpGet(`${this.base}${path}`, {}, 30_000);
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${response.body}`);
    const body = JSON.parse(response.body) as Json;
    if (body.status !== "success") throw new Error(`GET ${path}: ${response.body}`);
    return body.data as Json;
  }

  /** The active targets (`/api/v1/targets?state=active`). */
  async activeTargets(): Promise<Json[]> {
    return (await this.api("/api/v1/targets?state=active")).activeTargets as Json[];
  }

  /** The rule groups with each rule's health (`/api/v1/rules`). */
  async ruleGroups(): Promise<Json[]> {
    return (await this.api("/api/v1/rules")).groups as Json[];
  }

  /** The pending and firing alerts (`/api/v1/alerts`). */
  async alerts(): Promise<Json[]> {
    return (await this.api("/api/v1/alerts")).alerts as Json[];
  }

  /** An instant query's result (`/api/v1/query`). */
  async query(expr: string): Promise<Json[]> {
    return (await this.api(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result as Json[];
  }
}

/** A listening forwarder; `close` ends its connections and stops it. */
export interface Forwarder {
  readonly address: string;
  close(): Promise<void>;
}

/**
 * A TCP forwarder from a pod's address to a program on loopback: the pod network, on a laptop. Every pod gets an
 * address of its own in 127.0.0.0/8, so that each target keeps the pod's port (the one its container declares) and
 * its own `instance`, while the program behind it listens on a free port.
 */
export async function forward(host: string, port: number, toPort: number): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(toPort, LOOPBACK);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new Error(`cannot listen on ${host}:${port} for the pod network: ${error.message}`)));
    server.listen(port, host, () => resolve());
  });
  return {
    address: `${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
