/**
 * A real Loki ruler with local rule storage, for asking it what it makes of rule files: each file goes into the
 * directory of a tenant of its own (`<rules>/<tenant>/rules.yaml`), and the ruler's rules API, asked as that tenant,
 * answers with the groups it holds or with the reason it refused the file. One ruler serves every file of a suite.
 */
import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { Json } from "../../__tests__/support/json";

/** What the ruler made of one tenant's rule file. */
export type RulerVerdict =
  | { readonly loaded: true; /** The groups it holds, as its rules API lists them. */ readonly groups: readonly Json[] }
  | { readonly loaded: false; /** Its reason, as its rules API gives it. */ readonly message: string };

/** A running ruler. */
export interface Ruler {
  /** The ruler's verdict on the file of a tenant it was started with. */
  verdict(tenant: string): Promise<RulerVerdict>;
  /** Stops the ruler and removes its files. */
  stop(): Promise<void>;
}

/** How long the ruler may take to start on a loaded 2-core machine. */
const START_TIMEOUT_MS = 120_000;

/** A free TCP port on the loopback address. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * One GET without keep-alive (no pooled socket outlives the ruler), resolving with the status and body; rejects when
 * nothing answers.
 */
function httpGet(url: string, headers: Readonly<Record<string, string>> = {}): Promise<{ readonly status: number; readonly body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, agent: false, timeout: 30_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`no answer from ${url} in 30 s`)));
    request.on("error", reject);
  });
}

/** Loki's config for a ruler alone: auth on (one tenant per file), local rule storage, everything on loopback. */
function rulerConfig(dir: string, httpPort: number, grpcPort: number): string {
  return stringify({
    auth_enabled: true,
    server: { http_listen_address: "127.0.0.1", http_listen_port: httpPort, grpc_listen_address: "127.0.0.1", grpc_listen_port: grpcPort, log_level: "warn" },
    common: {
      path_prefix: join(dir, "data"),
      replication_factor: 1,
      ring: { instance_addr: "127.0.0.1", kvstore: { store: "inmemory" } },
      storage: { filesystem: { chunks_directory: join(dir, "data", "chunks"), rules_directory: join(dir, "data", "rules") } },
    },
    schema_config: { configs: [{ from: "2024-04-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }] },
    ruler: { enable_api: true, rule_path: join(dir, "data", "ruler"), storage: { type: "local", local: { directory: join(dir, "rules") } } },
  });
}

/**
 * Starts `lokiBin -target=ruler` with one tenant per rule file (`files`: tenant to file text) and waits until it
 * answers. The process is Loki's own; stop() ends it by its process ID.
 */
export async function startRuler(lokiBin: string, files: Readonly<Record<string, string>>): Promise<Ruler> {
  const dir = mkdtempSync(join(tmpdir(), "loki-ruler-"));
  for (const [tenant, text] of Object.entries(files)) {
    mkdirSync(join(dir, "rules", tenant), { recursive: true });
    writeFileSync(join(dir, "rules", tenant, "rules.yaml"), text);
  }
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, "config.yaml"), rulerConfig(dir, httpPort, grpcPort));
  const log: Buffer[] = [];
  const child: ChildProcess = spawn(lokiBin, [`-config.file=${join(dir, "config.yaml")}`, "-target=ruler"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk: Buffer) => log.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => log.push(chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const base = `http://127.0.0.1:${httpPort}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${lokiBin} -target=ruler exited with ${child.exitCode}: ${Buffer.concat(log).toString("utf8").slice(-2000)}`);
    }
    const ready = await httpGet(`${base}/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${lokiBin} -target=ruler did not get ready in ${START_TIMEOUT_MS / 1000} s: ${Buffer.concat(log).toString("utf8").slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    async verdict(tenant: string): Promise<RulerVerdict> {
      if (!(tenant in files)) throw new Error(`the ruler was started without a file for tenant ${tenant}`);
      const { status, body } = await httpGet(`${base}/loki/api/v1/rules`, { "X-Scope-OrgID": tenant });
      if (status !== 200) return { loaded: false, message: body.trim() };
      // The answer maps each rule file (namespace) to its groups.
      const namespaces = (parse(body) ?? {}) as Record<string, Json[]>;
      return { loaded: true, groups: Object.values(namespaces).flat() };
    },
    stop,
  };
}
