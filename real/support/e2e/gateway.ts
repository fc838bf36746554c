/**
 * The chart's gateway on a laptop: Debian's nginx (NGINX_BIN) with the nginx config the real chart renders, and the
 * htpasswd file the chart renders from the stack's values, both written at the gateway pod's mount paths under the host
 * root; the config changed by one listed overlay of whole directive lines, each with why a laptop must differ there.
 */
import { Json } from "../../../__tests__/support/json";
import { programPath } from "../programs";
import { K8sObject, objectNamed, Rendered } from "../render";
import { mountedFiles } from "./loki";
import { E2E_TIMEOUTS, httpGet, Program, Programs, waitFor } from "./processes";
import { LaptopSite, LOOPBACK } from "./site";
import { E2eStack } from "./stacks";

/** The nginx config's file in the gateway's ConfigMap, mounted at /etc/nginx. */
export const NGINX_CONF = "/etc/nginx/nginx.conf";

/** What a directive line's laptop value may read. */
export interface NginxOverlayContext {
  readonly site: LaptopSite;
  /** The directive's arguments as rendered (the regex's groups). */
  readonly match: RegExpExecArray;
}

/** One directive a laptop must change: the whole line it matches, its laptop line, and why. */
export interface NginxOverlayEntry {
  /** The directive, as the README names it. */
  readonly name: string;
  /** Matches a whole directive line, leading spaces aside. */
  readonly directive: RegExp;
  readonly laptop: (context: NginxOverlayContext) => string;
  readonly why: string;
}

/** The gateway's nginx config as the chart renders it, run on a laptop. */
export const NGINX_OVERLAY: readonly NginxOverlayEntry[] = [
  { name: "listen", directive: /^listen\s+(\d+);$/, laptop: ({ site }) => `listen ${LOOPBACK}:${site.ports.gateway};`, why: "serve on loopback only, on a free port: 8080 may be taken" },
  { name: "listen [::]", directive: /^listen\s+\[::\]:(\d+);$/, laptop: ({ site }) => `listen [::1]:${site.ports.gateway};`, why: "the IPv6 listener, on loopback and the same free port" },
  {
    name: "resolver",
    directive: /^resolver\s+\S+;$/,
    laptop: () => `resolver ${LOOPBACK};`,
    why: "nginx resolves the resolver's own name (kube-dns) at start; on a laptop every backend below is an address, so the resolver is never asked",
  },
  {
    name: "set $backend",
    directive: /^set \$backend\s+"http:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)";$/,
    laptop: ({ site }) => `set $backend     "http://${LOOPBACK}:${site.ports.lokiHttp}";`,
    why: "every Loki Service the gateway routes to (distributor, query-frontend, ruler, ...) is the one local Loki process (-target=all)",
  },
  {
    name: "proxy_pass",
    directive: /^proxy_pass\s+http:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)\$request_uri;$/,
    laptop: ({ site }) => `proxy_pass       http://${LOOPBACK}:${site.ports.lokiHttp}$request_uri;`,
    why: "chart 6.29.0 names each Loki Service in proxy_pass itself: the one local Loki process, as above",
  },
  { name: "pid", directive: /^pid\s+(\/\S+);$/, laptop: ({ site, match }) => `pid        ${site.hostPath(match[1])};`, why: "host path: the pod's /tmp (an emptyDir)" },
  {
    name: "*_temp_path",
    directive: /^(client_body|proxy|fastcgi|uwsgi|scgi)_temp_path\s+(\/\S+);$/,
    laptop: ({ site, match }) => `${match[1]}_temp_path ${site.hostPath(match[2])};`,
    why: "host path: the pod's /tmp (an emptyDir)",
  },
  {
    name: "auth_basic_user_file",
    directive: /^auth_basic_user_file\s+(\/\S+);$/,
    laptop: ({ site, match }) => `auth_basic_user_file ${site.hostPath(match[1])};`,
    why: "host path: where the pod mounts the chart's htpasswd Secret (written there, from the render)",
  },
];

/** The overlaid config, and each line it changed with the entry that changed it. */
export interface NginxOverlaid {
  readonly conf: string;
  readonly applied: readonly { readonly entry: NginxOverlayEntry; readonly line: number }[];
}

/** Applies the overlay line by line: a line that an entry matches is replaced whole; every other line stays as rendered. */
export function applyNginxOverlay(rendered: string, entries: readonly NginxOverlayEntry[], site: LaptopSite): NginxOverlaid {
  const applied: { entry: NginxOverlayEntry; line: number }[] = [];
  const lines = rendered.split("\n").map((text, line) => {
    const indent = /^\s*/.exec(text)?.[0] ?? "";
    for (const entry of entries) {
      const match = entry.directive.exec(text.trim());
      if (match === null) continue;
      applied.push({ entry, line });
      return `${indent}${entry.laptop({ site, match })}`;
    }
    return text;
  });
  return { conf: lines.join("\n"), applied };
}

/**
 * Compares the laptop config with the rendered one: `unlisted` are changed lines no entry applied to, `unchanged`
 * are entries that matched and changed nothing. Both empty: the overlay touches exactly its lines.
 */
export function nginxOverlayDifferences(rendered: string, laptop: string, applied: NginxOverlaid["applied"]): { unlisted: string[]; unchanged: string[] } {
  const [before, after] = [rendered.split("\n"), laptop.split("\n")];
  if (before.length !== after.length) return { unlisted: [`the laptop config has ${after.length} lines, the render ${before.length}`], unchanged: [] };
  const changed = before.flatMap((line, i) => (line !== after[i] ? [i] : []));
  const listed = new Set(applied.map((a) => a.line));
  return {
    unlisted: changed.filter((i) => !listed.has(i)).map((i) => before[i].trim()),
    unchanged: applied.filter((a) => before[a.line] === after[a.line]).map((a) => before[a.line].trim()),
  };
}

/** The gateway's nginx container in the render. */
export function gatewayContainer(rendered: Rendered, fullname: string): { readonly workload: K8sObject; readonly container: Json } {
  const workload = objectNamed(rendered, "Deployment", `${fullname}-gateway`);
  const container = ((workload.spec.template.spec.containers ?? []) as Json[]).find((c) => c.name === "nginx");
  if (container === undefined) throw new Error(`the gateway Deployment ${fullname}-gateway runs no nginx container`);
  return { workload, container };
}

/** The gateway prepared on a site: its files written, its config overlaid. */
export interface PreparedGateway {
  readonly site: LaptopSite;
  readonly bin: string;
  readonly args: readonly string[];
  /** The laptop path of the overlaid config. */
  readonly confFile: string;
  /** The config the chart rendered. */
  readonly rendered: string;
  readonly overlaid: NginxOverlaid;
  /** The htpasswd the chart rendered. */
  readonly htpasswd: string;
}

/**
 * Writes the gateway pod's mounted files (the nginx config and the htpasswd) at their paths under the host root, the
 * overlaid config in place of the rendered one, and routes the gateway Service to the site's gateway port.
 */
export function prepareGateway(site: LaptopSite, stack: E2eStack): PreparedGateway {
  const { names } = stack.real.stack;
  const files = mountedFiles(stack.rendered, [gatewayContainer(stack.rendered, names.fullname)]);
  const rendered = files.get(NGINX_CONF);
  if (rendered === undefined) throw new Error(`the gateway mounts no ${NGINX_CONF}; it mounts ${[...files.keys()].join(", ")}`);
  for (const [path, content] of files) site.writeNodeFile(path, content);
  // The pod's /tmp, an emptyDir.
  site.writeNodeFile("/tmp/.keep", "");
  const overlaid = applyNginxOverlay(rendered, NGINX_OVERLAY, site);
  const confFile = site.writeNodeFile(NGINX_CONF, overlaid.conf);
  site.route(names.gatewayHost, site.ports.gateway);
  const htpasswd = [...files.entries()].find(([path]) => path.endsWith("/.htpasswd"))?.[1] ?? "";
  // Foreground, as the image's entrypoint runs it; errors before the config is read go to stderr too.
  return { site, bin: programPath("nginx"), args: ["-e", "stderr", "-c", confFile, "-g", "daemon off;"], confFile, rendered, overlaid, htpasswd };
}

/** Starts the prepared nginx and waits until its health location (`/`, no credentials) answers. */
export async function startGateway(programs: Programs, prepared: PreparedGateway): Promise<Program> {
  const { site } = prepared;
  const program = programs.start("gateway", prepared.bin, prepared.args, `${site.root}/gateway.log`, site.root);
  await waitFor(
    `the gateway ready on ${LOOPBACK}:${site.ports.gateway}`,
    async () => ((await httpGet(`http://${LOOPBACK}:${site.ports.gateway}/`, {}, 5_000)).status === 200 ? true : undefined),
    { timeoutMs: E2E_TIMEOUTS.readyMs, programs: [program] },
  );
  return program;
}

/** Basic auth credentials at the gateway. */
export interface GatewayUser {
  readonly user: string;
  readonly password: string;
}

/** An answer of the gateway. */
export interface GatewayAnswer {
  readonly status: number;
  readonly body: string;
}

/** A client of the gateway on the laptop: any request, with or without credentials and with any headers. */
export class GatewayClient {
  readonly base: string;

  constructor(site: LaptopSite) {
    this.base = `http://${LOOPBACK}:${site.ports.gateway}`;
  }

  /** Sends a request; `as` adds basic auth, `headers` any header (a forged X-Scope-OrgID, say). */
  async request(method: "GET" | "POST", path: string, options: { readonly as?: GatewayUser; readonly headers?: Record<string, string>; readonly json?: unknown } = {}): Promise<GatewayAnswer> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.as) headers.Authorization = `Basic ${Buffer.from(`${options.as.user}:${options.as.password}`).toString("base64")}`;
    if (options.json !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: response.status, body: await response.text() };
  }

  /**
   * Pushes one stream of lines until the gateway answers other than 5xx: right after Loki reports ready, on a loaded
   * machine, its ring may still refuse a push for a moment (a 5xx, which an agent would retry too).
   */
  async pushOnce(labels: Record<string, string>, lines: readonly string[], options: { readonly as?: GatewayUser; readonly headers?: Record<string, string> } = {}): Promise<GatewayAnswer> {
    const deadline = Date.now() + E2E_TIMEOUTS.arriveMs;
    for (;;) {
      const answer = await this.push(labels, lines, options);
      if (answer.status < 500 || Date.now() > deadline) return answer;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /** Pushes one stream of lines, now; returns the gateway's answer. */
  push(labels: Record<string, string>, lines: readonly string[], options: { readonly as?: GatewayUser; readonly headers?: Record<string, string> } = {}): Promise<GatewayAnswer> {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const values = lines.map((line, i) => [String(nowNs + BigInt(i)), line]);
    return this.request("POST", "/loki/api/v1/push", { ...options, json: { streams: [{ stream: labels, values }] } });
  }

  /** The lines a log query returns through the gateway (the last hour); throws unless the gateway answers 200. */
  async lines(logql: string, options: { readonly as?: GatewayUser; readonly headers?: Record<string, string> } = {}): Promise<string[]> {
    const params = new URLSearchParams({ query: logql, start: `${Date.now() - 3_600_000}000000`, end: `${Date.now() + 60_000}000000`, limit: "5000", direction: "forward" });
    const answer = await this.request("GET", `/loki/api/v1/query_range?${params}`, options);
    if (answer.status !== 200) throw new Error(`query ${logql} through the gateway: ${answer.status} ${answer.body}`);
    const result = JSON.parse(answer.body).data.result as { values: [string, string][] }[];
    return result.flatMap((s) => s.values.map(([, line]) => line)).sort();
  }
}
