/**
 * The real Fluent Bit on a laptop: the stack's config with the listed overlay, at the path the DaemonSet mounts it,
 * run with the DaemonSet's arguments; container logs written as kubelet writes them; pods served to the kubernetes
 * filter as the API returns them.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { Json } from "../../../__tests__/support/json";
import { one, resolveString } from "../../../__tests__/support/synth";
import { applyOverlay, FLUENT_BIT_OVERLAY, Overlaid } from "./overlay";
import { E2E_TIMEOUTS, httpGet, Program, Programs, waitFor } from "./processes";
import { LaptopSite, LOOPBACK } from "./site";
import { E2eStack } from "./stacks";

/**
 * Fluent Bit's `conf/parsers.conf`, which the official image ships as /fluent-bit/etc/parsers.conf. The file is the
 * same at tags v4.0.1 and v5.1.1 of fluent/fluent-bit (sha256 760e6a347874a6cbdc10c6cd21d82d1ee5388c8573ddfaab05ef37904749dbe1).
 */
export const IMAGE_PARSERS_FIXTURE = join(__dirname, "..", "..", "..", "__tests__", "fixtures", "fluent-bit", "parsers.conf");

/** Where kubelet keeps each container's log; /var/log/containers holds symlinks to them. */
const POD_LOGS_DIR = "/var/log/pods";

/** The agent's command line as the DaemonSet Terraform applies runs it. */
export function daemonSetArgs(stack: E2eStack): string[] {
  const daemonSets = Object.values(stack.real.json.resource.kubernetes_daemon_set_v1 ?? {});
  if (daemonSets.length !== 1) throw new Error(`${stack.description}: expected one DaemonSet, found ${daemonSets.length}`);
  const containers = daemonSets[0].spec.template.spec.container as Json[];
  if (containers.length !== 1) throw new Error(`${stack.description}: expected one container in the agents' pods`);
  return containers[0].args as string[];
}

/**
 * The agent's environment as the kubelet gives it to the DaemonSet's container: each variable from its Secret's key
 * (the tenants' passwords, with several tenants), the Secret's data resolved as Terraform would write it.
 */
export function daemonSetEnv(stack: E2eStack): Record<string, string> {
  const { json } = stack.real;
  const daemonSets = Object.values(json.resource.kubernetes_daemon_set_v1 ?? {});
  const container = (daemonSets[0].spec.template.spec.container as Json[])[0];
  const secrets = Object.values(json.resource.kubernetes_secret_v1 ?? {}).map((s) => ({ name: resolveString(String(one(s.metadata)?.name), json), data: (s.data ?? {}) as Record<string, string> }));
  const env: Record<string, string> = {};
  for (const variable of (container.env ?? []) as Json[]) {
    const ref = one(one(variable.value_from)?.secret_key_ref);
    if (ref === undefined) {
      env[variable.name] = String(variable.value);
      continue;
    }
    const name = resolveString(String(ref.name), json);
    const secret = secrets.find((s) => s.name === name);
    if (secret?.data[ref.key] === undefined) throw new Error(`${stack.description}: the agents' variable ${variable.name} names ${name}/${ref.key}, which the stack does not create`);
    env[variable.name] = resolveString(secret.data[ref.key], json);
  }
  return env;
}

/** Fluent Bit prepared on a site. */
export interface PreparedFluentBit {
  readonly site: LaptopSite;
  readonly bin: string;
  readonly args: readonly string[];
  readonly configFile: string;
  readonly overlaid: Overlaid;
  /** The overlaid config, parsed. */
  readonly config: Json;
  /** Where kubelet's symlinks live on the laptop (the tail input's directory). */
  readonly containersDir: string;
  /** Where the kubernetes filter reads pods from. */
  readonly podMetaDir: string;
  /** The container's environment (the tenants' passwords), as the DaemonSet gives it. */
  readonly env: Readonly<Record<string, string>>;
}

/** Writes the overlaid config at the DaemonSet's config path, and the image's parsers where the config names them. */
export function prepareFluentBit(site: LaptopSite, stack: E2eStack): PreparedFluentBit {
  const overlaid = applyOverlay(stack.fluentBitConfigYaml, FLUENT_BIT_OVERLAY, site);
  const args = daemonSetArgs(stack);
  const configArg = args.find((a) => a.startsWith("--config="));
  if (configArg === undefined) throw new Error(`${stack.description}: the agents run without --config=: ${args.join(" ")}`);
  const configFile = site.writeNodeFile(configArg.slice("--config=".length), overlaid.yaml);
  const config = parse(overlaid.yaml) as Json;
  if (config.service.parsers_file !== undefined) {
    mkdirSync(dirname(config.service.parsers_file), { recursive: true });
    copyFileSync(IMAGE_PARSERS_FIXTURE, config.service.parsers_file);
  }
  const tail = (config.pipeline.inputs as Json[]).find((i) => i.name === "tail") as Json;
  const containersDir = dirname(String(tail.path));
  mkdirSync(containersDir, { recursive: true });
  const kubernetes = (config.pipeline.filters as Json[]).find((f) => f.name === "kubernetes") as Json;
  const podMetaDir = String(kubernetes.kube_meta_preload_cache_dir);
  mkdirSync(podMetaDir, { recursive: true });
  return {
    site,
    bin: stack.fluentBitBin,
    args: args.map((a) => (a === configArg ? `--config=${configFile}` : a)),
    configFile,
    overlaid,
    config,
    containersDir,
    podMetaDir,
    env: daemonSetEnv(stack),
  };
}

/** `fluent-bit --dry-run` of a prepared config: exit status and output. */
export function dryRun(prepared: PreparedFluentBit): { status: number | null; output: string } {
  const run = spawnSync(prepared.bin, [...prepared.args, "--dry-run"], { encoding: "utf8", timeout: E2E_TIMEOUTS.readyMs, env: { ...process.env, ...prepared.env } });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Starts the prepared Fluent Bit and waits until its HTTP server answers. */
export async function startFluentBit(programs: Programs, prepared: PreparedFluentBit): Promise<Program> {
  const { site } = prepared;
  const program = programs.start("fluent-bit", prepared.bin, prepared.args, `${site.root}/fluent-bit.log`, site.root, prepared.env);
  await waitFor(
    `fluent-bit ready on ${LOOPBACK}:${site.ports.fluentBitHttp}`,
    async () => ((await httpGet(`http://${LOOPBACK}:${site.ports.fluentBitHttp}/`, {}, 5_000)).status === 200 ? true : undefined),
    { timeoutMs: E2E_TIMEOUTS.readyMs, programs: [program] },
  );
  return program;
}

/** Fluent Bit's Prometheus metrics (`/api/v2/metrics/prometheus`), as text. */
export async function fluentBitMetrics(site: LaptopSite): Promise<string> {
  const response = await httpGet(`http://${LOOPBACK}:${site.ports.fluentBitHttp}/api/v2/metrics/prometheus`);
  if (response.status !== 200) throw new Error(`Fluent Bit metrics: ${response.status}`);
  return response.body;
}

/**
 * A pod as the kubernetes filter reports it (the record's `kubernetes` map, like TYPICAL_KUBERNETES in
 * lib/fluent-bit/lines.ts): one container.
 */
export interface PodMeta {
  readonly pod_name: string;
  readonly namespace_name: string;
  readonly pod_id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly host: string;
  readonly pod_ip?: string;
  readonly container_name: string;
  readonly docker_id: string;
  readonly container_image: string;
  readonly container_hash?: string;
}

/** The Pod object the API server would return for a pod, from which the filter builds its `kubernetes` map. */
export function podObject(pod: PodMeta): Json {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: pod.pod_name, namespace: pod.namespace_name, uid: pod.pod_id, labels: pod.labels, ...(pod.annotations ? { annotations: pod.annotations } : {}) },
    spec: { nodeName: pod.host, containers: [{ name: pod.container_name, image: pod.container_image }] },
    status: {
      phase: "Running",
      ...(pod.pod_ip ? { podIP: pod.pod_ip } : {}),
      containerStatuses: [
        {
          name: pod.container_name,
          image: pod.container_image,
          imageID: pod.container_hash ?? pod.container_image,
          containerID: `containerd://${pod.docker_id}`,
        },
      ],
    },
  };
}

/** One container's log, written as kubelet writes it (CRI format), with its /var/log/containers symlink. */
export class ContainerLog {
  /** The file kubelet writes. */
  readonly file: string;
  /** The symlink the agent tails. */
  readonly link: string;

  constructor(
    prepared: PreparedFluentBit,
    readonly pod: PodMeta,
  ) {
    const { site } = prepared;
    const podDir = site.hostPath(`${POD_LOGS_DIR}/${pod.namespace_name}_${pod.pod_name}_${pod.pod_id}/${pod.container_name}`);
    mkdirSync(podDir, { recursive: true });
    this.file = join(podDir, "0.log");
    appendFileSync(this.file, "");
    this.link = join(prepared.containersDir, `${pod.pod_name}_${pod.namespace_name}_${pod.container_name}-${pod.docker_id}.log`);
    if (!existsSync(this.link)) symlinkSync(this.file, this.link);
    // The API's answer for this pod, where the filter looks it up.
    const meta = join(prepared.podMetaDir, `${pod.namespace_name}_${pod.pod_name}.meta`);
    writeFileSync(meta, JSON.stringify(podObject(pod)));
  }

  private lastNs = 0n;

  /** Appends whole lines (`F`), stamped with the current time, each a nanosecond after the one before at least. */
  write(messages: readonly string[], stream: "stdout" | "stderr" = "stdout"): void {
    const text = messages.map((m) => `${this.nextTimestamp()} ${stream} F ${m}\n`).join("");
    appendFileSync(this.file, text);
  }

  /** An RFC 3339 timestamp with nanoseconds, as the CRI writes it, later than every one written before. */
  private nextTimestamp(): string {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    this.lastNs = nowNs > this.lastNs ? nowNs : this.lastNs + 1n;
    const seconds = new Date(Number(this.lastNs / 1_000_000_000n) * 1000).toISOString().replace(/\.\d+Z$/, "");
    return `${seconds}.${String(this.lastNs % 1_000_000_000n).padStart(9, "0")}Z`;
  }
}
