import { check, checkDnsLabel, checkDnsSubdomain, checkInteger, checkPinnedImage, checkQuantity } from "../core/validation";
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

/** Where the agents push: the Loki distributor's Service, and the tenant with auth on. Plain data from the stack. */
export interface LokiPushTarget {
  /** In-cluster DNS name of the distributor Service. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** Loki's push path. */
  readonly path: string;
  /** The tenant (`X-Scope-OrgID`) when Loki runs with auth. @default none: auth off */
  readonly tenant?: string;
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
}

/** The agent's props with every default applied, validated. */
export type ResolvedFluentBitProps = Required<Omit<FluentBitOptions, "resources">> & {
  readonly resources: Required<FluentBitResources>;
  readonly loki: LokiPushTarget;
  readonly version: FluentBitVersion;
  /** The facts of the agent's version. */
  readonly agent: FluentBitAgentFacts;
};

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
  return fluentBit;
}
