import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { LineShape, MERGED_LOG_KEY, REMOVED_KEYS, removeKeysList } from "./lines";
import { outputBufferLimit, PushTenant, ResolvedFluentBitProps } from "./props";

/** Port of Fluent Bit's HTTP server: health, metrics and the probes. */
export const FLUENT_BIT_HTTP_PORT = 2020;
/** Directory the ConfigMap is mounted at, read-only. */
export const FLUENT_BIT_CONFIG_DIR = "/fluent-bit/etc/conf";
/** Key of the YAML config in the ConfigMap, and its file name in FLUENT_BIT_CONFIG_DIR. */
export const FLUENT_BIT_CONFIG_FILE = "fluent-bit.yaml";
/** The parsers the image ships; `k8s-logging.parser` lets pods pick one of them by annotation. */
export const FLUENT_BIT_IMAGE_PARSERS = "/fluent-bit/etc/parsers.conf";
/** Host files the agent tails: kubelet's symlinks to every container's current log. */
export const CONTAINER_LOGS = "/var/log/containers/*.log";
/** Seconds between flushes to the outputs. */
export const FLUENT_BIT_FLUSH_SECONDS = 1;
/**
 * Seconds Fluent Bit keeps flushing after SIGTERM before it exits.
 * Whatever is still unsent stays in the filesystem buffer and goes out after the restart.
 */
export const FLUENT_BIT_GRACE_SECONDS = 30;
/** Value of the `job` stream label on every line the agent ships. */
export const FLUENT_BIT_JOB = "fluent-bit";

/** Fluent Bit's boolean spelling in its docs. */
export type OnOff = "on" | "off";

/**
 * The `service` section.
 * @see https://docs.fluentbit.io/manual/4.0/administration/configuring-fluent-bit/yaml/service-section
 * @see https://docs.fluentbit.io/manual/4.0/administration/buffering-and-storage
 */
export interface FluentBitService {
  readonly flush: number;
  readonly grace: number;
  readonly log_level: "error" | "warn" | "info" | "debug";
  readonly parsers_file: string;
  readonly http_server: OnOff;
  readonly http_listen: string;
  readonly http_port: number;
  readonly health_check: OnOff;
  readonly hc_errors_count: number;
  readonly hc_retry_failure_count: number;
  readonly hc_period: number;
  readonly "scheduler.base": number;
  readonly "scheduler.cap": number;
  readonly "storage.path": string;
  readonly "storage.sync": "normal" | "full";
  readonly "storage.checksum": OnOff;
  readonly "storage.backlog.mem_limit": string;
  readonly "storage.max_chunks_up": number;
  readonly "storage.metrics": OnOff;
}

/** The `tail` input over the container logs. @see https://docs.fluentbit.io/manual/4.0/pipeline/inputs/tail */
export interface TailInput {
  readonly name: "tail";
  readonly tag: string;
  readonly path: string;
  readonly exclude_path: string;
  readonly "multiline.parser": string;
  readonly db: string;
  readonly "db.locking": boolean;
  readonly read_from_head: boolean;
  readonly refresh_interval: number;
  readonly skip_long_lines: OnOff;
  readonly mem_buf_limit: string;
  readonly "storage.type": "filesystem";
}

/** The `kubernetes` metadata filter. @see https://docs.fluentbit.io/manual/4.0/pipeline/filters/kubernetes */
export interface KubernetesFilter {
  readonly name: "kubernetes";
  readonly match: string;
  readonly merge_log: OnOff;
  readonly keep_log: OnOff;
  readonly "k8s-logging.parser": OnOff;
  readonly "k8s-logging.exclude": OnOff;
  readonly buffer_size: string;
  readonly annotations: OnOff;
  readonly merge_log_key: string;
}

/** The `loki` output. @see https://docs.fluentbit.io/manual/4.0/pipeline/outputs/loki */
export interface LokiOutput {
  readonly name: "loki";
  /** One output: every record of the tail input. */
  readonly match?: string;
  /** One output per tenant: the records whose tag (the container log's file name) names one of the tenant's namespaces. */
  readonly match_regex?: string;
  /** One output per tenant: its name in the agents' metrics (`name` label), the tenant's. */
  readonly alias?: string;
  readonly host: string;
  readonly port: number;
  readonly uri: string;
  /** Sets `X-Scope-OrgID`; absent when Loki runs without auth, and with several tenants (the gateway sets it). */
  readonly tenant_id?: string;
  /** Several tenants: the tenant's user at the gateway. */
  readonly http_user?: string;
  /** Several tenants: `${<variable>}`, which Fluent Bit reads from the agent's environment (a Secret), never the password itself. */
  readonly http_passwd?: string;
  readonly labels: string;
  readonly structured_metadata: string;
  readonly line_format: "json";
  readonly remove_keys: string;
  readonly drop_single_key: "raw";
  readonly compress: "gzip";
  readonly retry_limit: "no_limits";
  readonly "storage.total_limit_size": string;
}

/** A user-supplied pipeline section: any plugin, in Fluent Bit's YAML form. */
export type ExtraSection = Readonly<Record<string, unknown>>;

/**
 * The whole Fluent Bit YAML config.
 * @see https://docs.fluentbit.io/manual/4.0/administration/configuring-fluent-bit/yaml
 */
export interface FluentBitConfig {
  readonly service: FluentBitService;
  readonly pipeline: {
    readonly inputs: readonly TailInput[];
    readonly filters: readonly (KubernetesFilter | ExtraSection)[];
    readonly outputs: readonly (LokiOutput | ExtraSection)[];
  };
}

/** Files the agent keeps in its host state directory, which survives pod restarts. */
export interface FluentBitStatePaths {
  /** Offsets of every tailed file: a restart resumes where it stopped, neither resending nor skipping. */
  readonly db: string;
  /** Filesystem buffer: chunks not yet accepted by Loki. */
  readonly storage: string;
}

/** Where the offsets DB and the buffer live under the host state directory. */
export function fluentBitStatePaths(hostStateDir: string): FluentBitStatePaths {
  const dir = hostStateDir.replace(/\/+$/, "");
  return { db: `${dir}/tail-containers.db`, storage: `${dir}/buffer` };
}

/** Stream labels: few values each, so Loki keeps few streams. */
const STREAM_LABELS: Readonly<Record<string, string>> = {
  job: FLUENT_BIT_JOB,
  namespace: "$kubernetes['namespace_name']",
  container: "$kubernetes['container_name']",
  app: "$kubernetes['labels']['app']",
};

/** Per-line metadata: values that change with every pod, which would explode the stream count as labels. */
const STRUCTURED_METADATA: Readonly<Record<string, string>> = {
  pod: "$kubernetes['pod_name']",
  node: "$kubernetes['host']",
};

/** Fluent Bit's `key=value, key=value` list form, used by `labels` and `structured_metadata`. */
function keyValueList(pairs: Readonly<Record<string, string>>): string {
  return Object.entries(pairs)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}

/**
 * The environment variable holding a tenant's password, from the agents' credentials Secret: upper case, "-" as "_".
 * Distinct tenants (lowercase letters, digits and "-") get distinct variables.
 */
export function passwordVariable(tenant: string): string {
  return `LOKI_PASSWORD_${tenant.toUpperCase().replace(/-/g, "_")}`;
}

/** A namespace list as a regular-expression alternation (namespaces are DNS labels: only "-" needs no escaping). */
function alternation(namespaces: readonly string[]): string {
  return [...namespaces].sort().join("|");
}

/**
 * The tag regex of a tenant's records. The tail input tags each container log `kube.<path with "." for "/">`, and
 * kubelet names the file `<pod>_<namespace>_<container>-<container id>.log`; pod, namespace and container names hold no
 * "_", so the namespace is the next-to-last "_"-separated field of the tag, whatever directory the file is in. A tenant
 * that also receives unclaimed namespaces takes every tag whose namespace no other tenant claims.
 */
export function tenantTagRegex(tenant: PushTenant, claimedByOthers: readonly string[]): string {
  if (!tenant.unclaimed) return `^kube\\..*_(?:${alternation(tenant.namespaces)})_[^_]+$`;
  return claimedByOthers.length === 0 ? "^kube\\." : `^kube\\.(?!.*_(?:${alternation(claimedByOthers)})_[^_]+$)`;
}

/**
 * Builds the agent's config from its resolved props.
 * Pure: no cdktf. The Loki host, port, path and tenant come from `settings.loki`, which the stack derives from the
 * same names as the Loki release.
 */
export function buildFluentBitConfig(settings: ResolvedFluentBitProps): FluentBitConfig {
  const state = fluentBitStatePaths(settings.hostStateDir);

  const service: FluentBitService = {
    flush: FLUENT_BIT_FLUSH_SECONDS,
    grace: FLUENT_BIT_GRACE_SECONDS,
    log_level: "info",
    parsers_file: FLUENT_BIT_IMAGE_PARSERS,
    http_server: "on",
    http_listen: "0.0.0.0",
    http_port: FLUENT_BIT_HTTP_PORT,
    health_check: "on",
    // Unready after more than 5 failed flushes or dropped chunks in a minute (Fluent Bit's defaults, spelled out).
    hc_errors_count: 5,
    hc_retry_failure_count: 5,
    hc_period: 60,
    // Retries back off to at most a minute, so buffered logs arrive soon after Loki is back (default cap: 2000 s).
    "scheduler.base": 5,
    "scheduler.cap": 60,
    "storage.path": state.storage,
    "storage.sync": "normal",
    "storage.checksum": "off",
    "storage.backlog.mem_limit": "5M",
    // Chunks held in memory (about 2 MB each); the rest wait on disk. Sized under the memory limit.
    "storage.max_chunks_up": 64,
    "storage.metrics": "on",
  };

  const tail: TailInput = {
    name: "tail",
    tag: "kube.*",
    path: CONTAINER_LOGS,
    // The agent's own lines would come back through the agent: one error line would feed the next.
    exclude_path: `/var/log/containers/*_${settings.namespace}_*.log`,
    "multiline.parser": "docker, cri",
    db: state.db,
    // One agent per node owns the DB; the rolling update never runs two (maxSurge 0).
    "db.locking": true,
    // A file first seen (new node, new pod) is read from its start, so lines written before the agent saw it are kept.
    // Off would seek every file without a DB offset to its end, new pods and rotated files included, dropping
    // their first lines (in_tail set_file_position). The first rollout's backlog drains under the limits:
    // see README "Recovery window".
    read_from_head: true,
    refresh_interval: 10,
    skip_long_lines: "on",
    // With filesystem storage the input is never paused at this limit: new chunks go to disk instead.
    mem_buf_limit: "50M",
    "storage.type": "filesystem",
  };

  const kubernetes: KubernetesFilter = {
    name: "kubernetes",
    match: "kube.*",
    merge_log: "on",
    keep_log: "off",
    "k8s-logging.parser": "on",
    "k8s-logging.exclude": "on",
    // No cap on the API response: a pod larger than the 32k default would lose its metadata, and with it
    // its namespace label. The API server already bounds an object's size.
    buffer_size: "0",
    // Lean lines (lib/fluent-bit/lines.ts): annotations only on request (the fluentbit.io/ ones that k8s-logging reads
    // are honoured either way); a JSON log's fields nested under one key.
    annotations: settings.annotations ? "on" : "off",
    merge_log_key: MERGED_LOG_KEY,
  };

  const tenants = settings.loki.tenants ?? [];
  const shared = {
    host: settings.loki.host,
    port: settings.loki.port,
    uri: settings.loki.path,
  };
  const shaping = {
    labels: keyValueList(STREAM_LABELS),
    structured_metadata: keyValueList(STRUCTURED_METADATA),
    line_format: "json",
    // Labels and structured metadata are read from the whole record first; the stored line is the message.
    remove_keys: removeKeysList(REMOVED_KEYS),
    drop_single_key: "raw",
    compress: "gzip",
    // Retry until Loki takes the chunk; only the buffer limit below ever drops data (the oldest chunk first).
    retry_limit: "no_limits",
    // Per output: with several tenants each output gets an even share of the limit, so the agent never buffers more.
    "storage.total_limit_size": outputBufferLimit(settings.bufferLimit, Math.max(tenants.length, 1)),
  } as const;
  const outputs: LokiOutput[] =
    tenants.length === 0
      ? [{ name: "loki", match: "kube.*", ...shared, ...(settings.loki.tenant !== undefined ? { tenant_id: settings.loki.tenant } : {}), ...shaping }]
      : tenants.map((tenant) => ({
          name: "loki",
          // Each record goes to exactly one tenant: its namespace's, or the one that takes unclaimed namespaces.
          match_regex: tenantTagRegex(
            tenant,
            tenants.filter((t) => t !== tenant).flatMap((t) => t.namespaces),
          ),
          alias: `loki-${tenant.name}`,
          ...shared,
          // The gateway authenticates the agent as the tenant, and sets X-Scope-OrgID from that.
          http_user: tenant.name,
          http_passwd: `\${${passwordVariable(tenant.name)}}`,
          ...shaping,
        }));

  return {
    service,
    pipeline: {
      inputs: [tail],
      filters: [kubernetes, ...settings.extraFilters],
      outputs: [...outputs, ...settings.extraOutputs],
    },
  };
}

/** Serialises the config to Fluent Bit's YAML format, once, with a YAML library. */
export function renderFluentBitConfig(config: FluentBitConfig): string {
  return stringify(config, { lineWidth: 0 });
}

/** SHA-256 of the rendered config: a pod annotation, so any config change rolls the pods. */
export function configChecksum(yaml: string): string {
  return createHash("sha256").update(yaml).digest("hex");
}

/** The line shape a Fluent Bit config produces: its kubernetes filter and loki output, as synthesized. */
export function shapeOf(config: FluentBitConfig): LineShape {
  const filter = config.pipeline.filters.find((f) => f.name === "kubernetes") as Partial<KubernetesFilter> | undefined;
  const output = config.pipeline.outputs.find((o) => o.name === "loki") as Partial<LokiOutput> | undefined;
  return {
    mergeLogKey: filter?.merge_log_key,
    annotations: filter?.annotations !== "off",
    removeKeys: (output?.remove_keys ?? "").split(",").map((k) => k.trim()).filter((k) => k !== ""),
    dropSingleKey: output?.drop_single_key ?? "off",
  };
}
