/**
 * The one listed overlay: what an end-to-end run changes in the config the chart renders for Loki and in the config the
 * stack generates for Fluent Bit, and why a laptop must differ there. Each entry is a path into the config and the
 * laptop's value; everything else is the generated config, byte for byte (the YAML document is edited in place).
 * e2e-overlay.test.ts proves that the configs the programs run with differ from the generated ones at exactly these
 * paths; the README's "End to end" section lists them.
 */
import { isDeepStrictEqual } from "node:util";
import { parseDocument } from "yaml";
import { Json } from "../../../__tests__/support/json";
import { LaptopSite, LOOPBACK } from "./site";

/**
 * One step of a path: a map key, the list element whose `name` is this, every list element whose `name` is this (one
 * or more), or every element of a list.
 */
export type Segment = string | { readonly name: string } | { readonly everyNamed: string } | { readonly every: true };

/** A concrete path: map keys and list indexes. */
export type ConcretePath = readonly (string | number)[];

/** What an entry's laptop value may read. */
export interface OverlayContext {
  readonly site: LaptopSite;
  /** The generated value at the entry's path; undefined where the generated config has none. */
  readonly generated: unknown;
  /** The whole generated config. */
  readonly config: Json;
  /** The generated map that holds the entry's key, such as the output whose port is set. */
  readonly parent: Json;
}

/** One change a laptop needs. */
export interface OverlayEntry {
  readonly path: readonly Segment[];
  /** The laptop's value; undefined leaves the generated config as it is (the path is absent, so nothing to move). */
  readonly laptop: (context: OverlayContext) => unknown;
  /** Why a laptop must differ here. */
  readonly why: string;
}

/** A host path moved under the laptop's host root; absent stays absent. */
function hostPathOf({ site, generated }: OverlayContext): string | undefined {
  return generated === undefined ? undefined : site.hostPath(String(generated));
}

/** A generated address replaced, only where the generated config has one. */
function ifGenerated(value: (context: OverlayContext) => unknown): (context: OverlayContext) => unknown {
  return (context) => (context.generated === undefined ? undefined : value(context));
}

/** Loki's config as the chart renders it (`config.yaml`), run as one process (`-target=all`) on a laptop. */
export const LOKI_OVERLAY: readonly OverlayEntry[] = [
  { path: ["server", "http_listen_address"], laptop: () => LOOPBACK, why: "serve on loopback only, not on every interface" },
  { path: ["server", "http_listen_port"], laptop: ({ site }) => site.ports.lokiHttp, why: "a free port: 3100 may be taken, and several runs share the machine" },
  { path: ["server", "grpc_listen_address"], laptop: () => LOOPBACK, why: "serve on loopback only" },
  { path: ["server", "grpc_listen_port"], laptop: ({ site }) => site.ports.lokiGrpc, why: "a free port, as for HTTP" },
  {
    path: ["common", "instance_addr"],
    laptop: () => LOOPBACK,
    why: "the address this instance announces in its rings; by default Loki picks a private interface's, where nothing listens",
  },
  {
    path: ["common", "ring", "kvstore", "store"],
    laptop: () => "inmemory",
    why: "one process holds every ring: no memberlist peers to join (the chart's loki-memberlist Service does not exist here)",
  },
  {
    path: ["frontend", "scheduler_address"],
    laptop: ifGenerated(({ site }) => `${LOOPBACK}:${site.ports.lokiGrpc}`),
    why: "the query-scheduler runs in this process: its gRPC address, not the cluster Service",
  },
  {
    path: ["frontend_worker", "scheduler_address"],
    laptop: ifGenerated(({ site }) => `${LOOPBACK}:${site.ports.lokiGrpc}`),
    why: "the querier's workers pull queries from the scheduler in this process",
  },
  {
    path: ["common", "storage"],
    laptop: ({ site, config }) => ({ filesystem: { chunks_directory: `${site.hostPath(String(config.common.path_prefix))}/chunks` } }),
    why: "object storage (S3, or the chart's MinIO) becomes the filesystem: no bucket on a laptop",
  },
  { path: ["schema_config", "configs", { every: true }, "object_store"], laptop: () => "filesystem", why: "every schema period reads and writes the filesystem store above" },
  { path: ["compactor", "delete_request_store"], laptop: ifGenerated(() => "filesystem"), why: "delete requests live in the filesystem store (Loki refuses a store that is not configured)" },
  { path: ["ruler", "alertmanager_url"], laptop: ({ site }) => `http://${LOOPBACK}:${site.ports.alertmanager}`, why: "the local Alertmanager that captures the alerts" },
  {
    path: ["ruler", "evaluation_interval"],
    laptop: () => "10s",
    why: "test time: rules are evaluated every 10 s instead of Loki's 1m; a rule's `for` still holds, so the example alert still needs a minute of errors before it fires",
  },
  {
    path: ["analytics", "reporting_enabled"],
    laptop: () => false,
    why: "no usage reports from a test machine to stats.grafana.org; with no route there, the reporter holds Loki's shutdown for about 25 s",
  },
  { path: ["common", "path_prefix"], laptop: hostPathOf, why: "host path: Loki's data directory (an emptyDir or volume in the pods)" },
  { path: ["ruler", "storage", "local", "directory"], laptop: hostPathOf, why: "host path: where the pods mount the rules ConfigMaps (written there, as the chart mounts them)" },
  { path: ["ruler", "wal", "dir"], laptop: hostPathOf, why: "host path: the ruler's write-ahead log" },
  { path: ["runtime_config", "file"], laptop: hostPathOf, why: "host path: the runtime ConfigMap's file, written there from the render" },
  { path: ["storage_config", "bloom_shipper", "working_directory"], laptop: hostPathOf, why: "host path (bloom components are off; moved so that nothing points outside the temp root)" },
];

/** The Fluent Bit tail input's tag prefix for files under `dir`: tail replaces `*` in `kube.*` with the path, `/` as `.`. */
export function tagPrefixFor(tag: string, dir: string): string {
  return `${tag.replace(/\*$/, "")}${dir.replace(/^\/+/, "").replace(/\/+$/, "").replace(/\//g, ".")}.`;
}

/** The tail input of a Fluent Bit config. */
function tailOf(config: Json): Json {
  return onlyNamed(config.pipeline.inputs, "tail", "pipeline.inputs");
}

/** Fluent Bit's config as the stack generates it, run on a laptop. */
export const FLUENT_BIT_OVERLAY: readonly OverlayEntry[] = [
  {
    path: ["service", "parsers_file"],
    laptop: hostPathOf,
    why: "host path: the official image ships parsers.conf at /fluent-bit/etc/parsers.conf; a copy of Fluent Bit's conf/parsers.conf is written there",
  },
  { path: ["service", "http_listen"], laptop: () => LOOPBACK, why: "serve health and metrics on loopback only" },
  { path: ["service", "http_port"], laptop: ({ site }) => site.ports.fluentBitHttp, why: "a free port: 2020 may be taken" },
  { path: ["service", "storage.path"], laptop: hostPathOf, why: "host path: the filesystem buffer in the agent's host state directory" },
  { path: ["pipeline", "inputs", { name: "tail" }, "path"], laptop: hostPathOf, why: "host path: the container logs kubelet writes under /var/log/containers" },
  { path: ["pipeline", "inputs", { name: "tail" }, "exclude_path"], laptop: hostPathOf, why: "host path: the agent's own logs, under the same directory" },
  { path: ["pipeline", "inputs", { name: "tail" }, "db"], laptop: hostPathOf, why: "host path: the offsets DB in the agent's host state directory" },
  {
    path: ["pipeline", "filters", { name: "kubernetes" }, "kube_tag_prefix"],
    laptop: ({ site, config }) => {
      const tail = tailOf(config);
      const path = String(tail.path);
      return tagPrefixFor(String(tail.tag), site.hostPath(path.slice(0, path.lastIndexOf("/"))));
    },
    why: "the filter reads pod, namespace and container from the tag, which tail builds from the file's path; its default prefix (kube.var.log.containers.) is the node's path",
  },
  {
    path: ["pipeline", "filters", { name: "kubernetes" }, "kube_meta_preload_cache_dir"],
    laptop: ({ site }) => `${site.root}/kube-api`,
    why: "no Kubernetes API: the filter reads each pod as the API returns it from <namespace>_<pod>.meta files",
  },
  {
    path: ["pipeline", "outputs", { everyNamed: "loki" }, "host"],
    laptop: () => LOOPBACK,
    why: "the distributor Service (one tenant) is the local Loki; the gateway Service (several tenants, one output each) is the local nginx",
  },
  {
    path: ["pipeline", "outputs", { everyNamed: "loki" }, "port"],
    laptop: ({ site, parent }) => site.laptopPort(String(parent.host)),
    why: "the local Loki's HTTP port, or the local gateway's, for the Service the output names",
  },
];

/** The one element of a list whose `name` is `name`; throws otherwise. */
function onlyNamed(list: unknown, name: string, where: string): Json {
  const found = Array.isArray(list) ? list.filter((e) => e !== null && typeof e === "object" && (e as Json).name === name) : [];
  if (found.length !== 1) throw new Error(`expected one "${name}" in ${where}, found ${found.length}: the overlay must be revisited`);
  return found[0] as Json;
}

/** A path as text: `server.http_listen_port`, `pipeline.inputs[name=tail].path`, `schema_config.configs[*].object_store`. */
export function pathText(path: readonly (Segment | number)[]): string {
  return path
    .map((s, i) => {
      if (typeof s === "number") return `[${s}]`;
      if (typeof s === "string") return i === 0 ? s : `.${s}`;
      if ("name" in s) return `[name=${s.name}]`;
      return "everyNamed" in s ? `[*name=${s.everyNamed}]` : "[*]";
    })
    .join("");
}

/** The concrete paths an entry's path selects in a config: `{ name }` must select one element, `{ every }` selects all. */
export function concretePaths(config: unknown, path: readonly Segment[]): ConcretePath[] {
  let paths: { path: (string | number)[]; value: unknown }[] = [{ path: [], value: config }];
  for (const segment of path) {
    const next: typeof paths = [];
    for (const { path: at, value } of paths) {
      if (typeof segment === "string") {
        next.push({ path: [...at, segment], value: value !== null && typeof value === "object" ? (value as Json)[segment] : undefined });
      } else if ("name" in segment) {
        const element = onlyNamed(value, segment.name, pathText(at));
        const index = (value as unknown[]).indexOf(element);
        next.push({ path: [...at, index], value: element });
      } else if ("everyNamed" in segment) {
        const named = Array.isArray(value) ? value.flatMap((e, index) => (e !== null && typeof e === "object" && (e as Json).name === segment.everyNamed ? [{ index, e }] : [])) : [];
        if (named.length === 0) throw new Error(`expected at least one "${segment.everyNamed}" in ${pathText(at)}, found none: the overlay must be revisited`);
        named.forEach(({ index, e }) => next.push({ path: [...at, index], value: e }));
      } else if (Array.isArray(value)) {
        value.forEach((element, index) => next.push({ path: [...at, index], value: element }));
      }
    }
    paths = next;
  }
  return paths.map((p) => p.path);
}

/** The value at a concrete path, or undefined. */
export function valueAt(config: unknown, path: ConcretePath): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === "object" ? (value as Json)[key] : undefined), config);
}

/** An applied overlay: the laptop's config text, and each path it set with the entry that set it. */
export interface Overlaid {
  readonly yaml: string;
  readonly applied: readonly { readonly entry: OverlayEntry; readonly path: ConcretePath }[];
}

/** Applies an overlay to a generated YAML config, editing the document in place so that nothing else changes. */
export function applyOverlay(generatedYaml: string, entries: readonly OverlayEntry[], site: LaptopSite): Overlaid {
  const doc = parseDocument(generatedYaml);
  if (doc.errors.length > 0) throw new Error(`the generated config is not YAML: ${doc.errors[0].message}`);
  const config = doc.toJS() as Json;
  const applied: { entry: OverlayEntry; path: ConcretePath }[] = [];
  for (const entry of entries) {
    for (const path of concretePaths(config, entry.path)) {
      const laptop = entry.laptop({ site, generated: valueAt(config, path), config, parent: (valueAt(config, path.slice(0, -1)) ?? {}) as Json });
      if (laptop === undefined) continue;
      doc.setIn(path, laptop);
      applied.push({ entry, path });
    }
  }
  return { yaml: String(doc), applied };
}

/**
 * The smallest paths at which two parsed configs differ: maps are compared key by key (a map against nothing as
 * against an empty map, so an added section differs at its leaves), lists of equal length element by element;
 * anything else that is not deeply equal differs where it stands.
 */
export function differingPaths(a: unknown, b: unknown, at: ConcretePath = []): ConcretePath[] {
  const isMap = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
  if ((isMap(a) && (isMap(b) || b === undefined)) || (isMap(b) && a === undefined)) {
    const [left, right] = [(a ?? {}) as Json, (b ?? {}) as Json];
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
    return keys.flatMap((key) => differingPaths(left[key], right[key], [...at, key]));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((element, index) => differingPaths(element, b[index], [...at, index]));
  }
  return isDeepStrictEqual(a, b) ? [] : [at];
}

/** True when `path` is `prefix` or lies under it. */
export function isUnder(path: ConcretePath, prefix: ConcretePath): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => path[i] === key);
}

/**
 * Compares a laptop config with the generated one against the listed paths: `unlisted` are differences outside every
 * listed path, `unchanged` are listed paths where nothing differs. Both empty: the overlay touches exactly the list.
 */
export function overlayDifferences(generated: unknown, laptop: unknown, listed: readonly ConcretePath[]): { unlisted: string[]; unchanged: string[] } {
  const differing = differingPaths(generated, laptop);
  return {
    unlisted: differing.filter((d) => !listed.some((l) => isUnder(d, l))).map(pathText),
    unchanged: listed.filter((l) => !differing.some((d) => isUnder(d, l))).map(pathText),
  };
}

/** Every string in a config that is an absolute path, with where it stands; values of `skipKeys` (such as an HTTP `uri`) are not files. */
export function absolutePaths(config: unknown, skipKeys: readonly string[] = [], at: ConcretePath = []): { path: string; value: string }[] {
  if (typeof config === "string") return config.startsWith("/") && !skipKeys.includes(String(at[at.length - 1])) ? [{ path: pathText(at), value: config }] : [];
  if (Array.isArray(config)) return config.flatMap((v, i) => absolutePaths(v, skipKeys, [...at, i]));
  if (config !== null && typeof config === "object") return Object.entries(config).flatMap(([k, v]) => absolutePaths(v, skipKeys, [...at, k]));
  return [];
}
