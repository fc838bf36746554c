import { isPlainObject } from "../core/deep-merge";
import type { PodPeer } from "../core/kubernetes";
import { check, checkDnsLabel, checkDnsSubdomain, checkInteger, checkPinnedImage, checkQuantity, ConfigError } from "../core/validation";
import type { FluentBitAgentFacts, FluentBitVersion } from "./agent";
import { DEFAULT_FLUENT_BIT_VERSION, FLUENT_BIT_AGENTS, fluentBitAgent } from "./agent-versions";

/** Fluent Bit image deployed by default: the default version's official image. */
export const DEFAULT_FLUENT_BIT_IMAGE = FLUENT_BIT_AGENTS[DEFAULT_FLUENT_BIT_VERSION].image;

/** Requests and limits of the Fluent Bit container, as Kubernetes quantities. */
export interface FluentBitResources {
  /** CPU reserved on every node. @default "100m" */
  readonly cpuRequest?: string;
  /** Memory reserved on every node. @default "128Mi" */
  readonly memoryRequest?: string;
  /** CPU ceiling; throttling only delays delivery, the filesystem buffer keeps every line. @default "1" */
  readonly cpuLimit?: string;
  /** Memory ceiling, above the chunks the engine keeps in memory (64 of about 2 MB). @default "512Mi" */
  readonly memoryLimit?: string;
}

/**
 * One tenant the agents push as, through Loki's gateway: the gateway authenticates the agents as the tenant and sets
 * the tenant from that, so no header the agents send decides it.
 */
export interface PushTenant {
  /** The tenant: its Loki tenant ID and its user at the gateway. */
  readonly name: string;
  /** The namespaces whose logs are the tenant's. */
  readonly namespaces: readonly string[];
  /** Whether the tenant also receives the logs of every namespace no tenant claims (one tenant does). */
  readonly unclaimed: boolean;
  /** The tenant's password: a Terraform expression, which the agents read from a Secret of their own. */
  readonly password: string;
}

/** Where the agents push: the Loki distributor's Service, and the tenant with auth on; or the gateway, as each of several tenants. Plain data from the stack. */
export interface LokiPushTarget {
  /** In-cluster DNS name of the distributor Service, or of the gateway with several tenants. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** Loki's push path. */
  readonly path: string;
  /** The tenant (`X-Scope-OrgID`) when Loki runs with auth and one tenant. @default none: auth off */
  readonly tenant?: string;
  /** Several tenants: one output each, authenticated as the tenant at the gateway. @default none: one output */
  readonly tenants?: readonly PushTenant[];
}

/** The agents' own NetworkPolicy: which pods may reach their HTTP server (health and metrics). */
export interface FluentBitNetworkPolicy {
  /** The Prometheus pods that scrape the agents' metrics. */
  readonly metricsScrapers: PodPeer;
}

/** The agent's own settings, as the stack's `fluentBit` setting carries them. */
export interface FluentBitOptions {
  /** Namespace of the agent. @default "fluent-bit" */
  readonly namespace?: string;
  /** Agent image, pinned, of the agent's version (a mirror of it, for one). @default the version's official image */
  readonly image?: string;
  /** Host directory for the offsets DB and the filesystem buffer. @default "/var/fluent-bit/state" */
  readonly hostStateDir?: string;
  /** Most disk the output may use for buffered chunks while Loki is unreachable. @default "2G" */
  readonly bufferLimit?: string;
  /** Extra filters appended to the pipeline, in Fluent Bit YAML form. @default [] */
  readonly extraFilters?: readonly Readonly<Record<string, unknown>>[];
  /** Extra outputs appended to the pipeline, in Fluent Bit YAML form. @default [] */
  readonly extraOutputs?: readonly Readonly<Record<string, unknown>>[];
  /** Requests and limits of the agent's container. @default see FluentBitResources */
  readonly resources?: FluentBitResources;
  /** Add pod annotations to the record (they never reach the stored line; only extra filters could use them). @default false */
  readonly annotations?: boolean;
}

/** Props of the Fluent Bit agent. */
export interface FluentBitProps extends FluentBitOptions {
  /** Where to push: the Loki distributor and, with auth, the tenant. */
  readonly loki: LokiPushTarget;
  /** The Fluent Bit version: its image, probes and metrics path. The stack passes the one that goes with the Loki chart. @default DEFAULT_FLUENT_BIT_VERSION */
  readonly version?: FluentBitVersion;
  /** The agents' NetworkPolicy: only the Prometheus pods reach their HTTP server. @default none: no NetworkPolicy */
  readonly networkPolicy?: FluentBitNetworkPolicy;
}

/** The agent's props with every default applied, validated. */
export type ResolvedFluentBitProps = Required<Omit<FluentBitOptions, "resources">> & {
  readonly resources: Required<FluentBitResources>;
  readonly loki: LokiPushTarget;
  readonly version: FluentBitVersion;
  /** The facts of the agent's version. */
  readonly agent: FluentBitAgentFacts;
  readonly networkPolicy?: FluentBitNetworkPolicy;
};

/** The least buffer one output may get: a handful of the engine's chunks (about 2 MB each). */
export const MIN_OUTPUT_BUFFER_MB = 32;

/** A Fluent Bit size (`512M`, `2G`, bytes) in bytes. */
export function fluentBitSizeBytes(size: string): number {
  const match = /^(\d+)([KMG]?)$/.exec(size);
  if (match === null) return NaN;
  return Number(match[1]) * { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2] as "" | "K" | "M" | "G"];
}

/**
 * Each output's share of `bufferLimit` (`storage.total_limit_size` is per output): the limit divided evenly, in whole
 * MB, so that the agents never buffer more than the limit on a node, and one tenant's backlog never takes another's room.
 */
export function outputBufferLimit(bufferLimit: string, outputs: number): string {
  return outputs <= 1 ? bufferLimit : `${Math.floor(fluentBitSizeBytes(bufferLimit) / outputs / 1024 ** 2)}M`;
}

/**
 * Applies the defaults to the agent's props and validates them. Throws a ConfigError that names the setting.
 * @param prefix prepended to setting names in messages, such as "fluentBit."
 */
export function resolveFluentBitProps(props: FluentBitProps, prefix = ""): ResolvedFluentBitProps {
  const agent = fluentBitAgent(props.version, `${prefix}version`);
  const fluentBit: ResolvedFluentBitProps = {
    version: agent.version,
    agent,
    namespace: props.namespace ?? "fluent-bit",
    image: props.image ?? agent.image,
    hostStateDir: props.hostStateDir ?? "/var/fluent-bit/state",
    bufferLimit: props.bufferLimit ?? "2G",
    extraFilters: props.extraFilters ?? [],
    extraOutputs: props.extraOutputs ?? [],
    resources: {
      cpuRequest: props.resources?.cpuRequest ?? "100m",
      memoryRequest: props.resources?.memoryRequest ?? "128Mi",
      cpuLimit: props.resources?.cpuLimit ?? "1",
      memoryLimit: props.resources?.memoryLimit ?? "512Mi",
    },
    loki: props.loki,
    annotations: props.annotations ?? false,
    ...(props.networkPolicy !== undefined ? { networkPolicy: props.networkPolicy } : {}),
  };
  check(typeof fluentBit.annotations === "boolean", `${prefix}annotations`, fluentBit.annotations, "true or false");
  checkDnsLabel(`${prefix}namespace`, fluentBit.namespace);
  checkPinnedImage(`${prefix}image`, fluentBit.image);
  check(
    /^\/[A-Za-z0-9._/-]+$/.test(fluentBit.hostStateDir) && !/^\/var\/log(\/|$)/.test(fluentBit.hostStateDir),
    `${prefix}hostStateDir`,
    fluentBit.hostStateDir,
    'an absolute host path outside /var/log, such as "/var/fluent-bit/state"',
    "/var/log is mounted read-only",
  );
  check(
    !/(^|\/)\.\.?(\/|$)/.test(fluentBit.hostStateDir) && !/^\/fluent-bit(\/|$)/.test(fluentBit.hostStateDir),
    `${prefix}hostStateDir`,
    fluentBit.hostStateDir,
    'a path without "." or ".." segments, outside /fluent-bit',
    "the directory is mounted at the same path in the container, where /fluent-bit holds the agent's binary and config",
  );
  for (const [key, quantity] of Object.entries(fluentBit.resources)) checkQuantity(`${prefix}resources.${key}`, quantity);
  check(/^\d+[KMG]?$/.test(fluentBit.bufferLimit), `${prefix}bufferLimit`, fluentBit.bufferLimit, 'a Fluent Bit size such as "512M" or "2G"');
  fluentBit.extraFilters.forEach((f, i) => check(typeof f.name === "string", `${prefix}extraFilters[${i}].name`, f.name, 'a plugin name such as "grep"'));
  fluentBit.extraOutputs.forEach((o, i) => check(typeof o.name === "string", `${prefix}extraOutputs[${i}].name`, o.name, 'a plugin name such as "s3"'));
  const { loki } = fluentBit;
  checkDnsSubdomain(`${prefix}loki.host`, loki?.host);
  checkInteger(`${prefix}loki.port`, loki.port, 1, 65535);
  check(typeof loki.path === "string" && loki.path.startsWith("/"), `${prefix}loki.path`, loki.path, 'an absolute URL path such as "/loki/api/v1/push"');
  if (loki.tenant !== undefined) check(typeof loki.tenant === "string" && loki.tenant !== "", `${prefix}loki.tenant`, loki.tenant, "a Loki tenant ID");
  if (loki.tenants !== undefined) checkPushTenants(`${prefix}loki`, loki, fluentBit.bufferLimit, `${prefix}bufferLimit`);
  if (fluentBit.networkPolicy !== undefined) {
    const peer = fluentBit.networkPolicy.metricsScrapers;
    checkDnsLabel(`${prefix}networkPolicy.metricsScrapers.namespace`, peer?.namespace);
    check(
      isPlainObject(peer.podLabels) && Object.keys(peer.podLabels).length > 0,
      `${prefix}networkPolicy.metricsScrapers.podLabels`,
      peer.podLabels,
      "the labels of the Prometheus pods, never empty",
      "an empty selector would admit every pod of the namespace",
    );
  }
  return fluentBit;
}

/** Several tenants: distinct lowercase names, each namespace in one tenant, one tenant for the unclaimed namespaces, room in the buffer for each. */
function checkPushTenants(setting: string, loki: LokiPushTarget, bufferLimit: string, bufferSetting: string): void {
  const tenants = loki.tenants ?? [];
  check(tenants.length > 0, `${setting}.tenants`, tenants, "a list of tenants");
  check(loki.tenant === undefined, `${setting}.tenant`, loki.tenant, "unset with tenants", "each tenant's output authenticates as its tenant at the gateway");
  const owner = new Map<string, string>();
  const names = new Set<string>();
  tenants.forEach((tenant, i) => {
    check(typeof tenant.name === "string" && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(tenant.name), `${setting}.tenants[${i}].name`, tenant.name, 'a tenant of lowercase letters, digits and "-"');
    check(!names.has(tenant.name), `${setting}.tenants[${i}].name`, tenant.name, "a tenant listed once");
    names.add(tenant.name);
    check(typeof tenant.password === "string" && tenant.password !== "", `${setting}.tenants[${i}].password`, "(hidden)", "the tenant's password");
    tenant.namespaces.forEach((ns, j) => {
      checkDnsLabel(`${setting}.tenants[${i}].namespaces[${j}]`, ns);
      const other = owner.get(ns);
      if (other !== undefined) throw new ConfigError(`${setting}.tenants[${i}].namespaces[${j}]`, ns, `a namespace no other tenant claims ("${other}" does)`);
      owner.set(ns, tenant.name);
    });
  });
  check(
    tenants.filter((t) => t.unclaimed).length === 1,
    `${setting}.tenants`,
    tenants.map((t) => t.name),
    "exactly one tenant with unclaimed: true",
    "the logs of namespaces no tenant claims go to one tenant, never nowhere",
  );
  const perOutputMb = fluentBitSizeBytes(bufferLimit) / tenants.length / 1024 ** 2;
  check(
    perOutputMb >= MIN_OUTPUT_BUFFER_MB,
    bufferSetting,
    bufferLimit,
    `at least ${tenants.length * MIN_OUTPUT_BUFFER_MB}M with ${tenants.length} tenants`,
    `each tenant's output gets an even share of it, and a share under ${MIN_OUTPUT_BUFFER_MB}M holds only a few chunks`,
  );
}
