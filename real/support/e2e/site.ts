/**
 * The laptop an end-to-end run stands on: one temp directory that plays every node's filesystem root, and free
 * loopback ports for each program. The overlay (overlay.ts) moves the stack's host paths under this root and its
 * addresses onto these ports; nothing else changes.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";

/** The loopback address every program listens on and dials. */
export const LOOPBACK = "127.0.0.1";

/** The ports of one run, each free on loopback when the run starts. */
export interface SitePorts {
  readonly lokiHttp: number;
  readonly lokiGrpc: number;
  readonly alertmanager: number;
  readonly fluentBitHttp: number;
  /** The gateway (nginx), with several tenants. */
  readonly gateway: number;
}

/** Ports this process has handed out: never twice, even when the kernel offers one again. */
const handedOut = new Set<number>();

/** A port the kernel reports free on loopback (listen on 0, read it back, close), never one handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("no port from the kernel"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** The first directory from `dir` up to `/` that other users cannot enter, if any. */
function untraversable(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return current;
    if (dirname(current) === current) return undefined;
  }
}

/** One run's temp root and ports. */
export class LaptopSite {
  /** Creates a fresh temp root and takes five free ports. */
  static async create(label: string): Promise<LaptopSite> {
    const root = mkdtempSync(join(tmpdir(), `loki-e2e-${label.replace(/[^a-z0-9-]+/gi, "-")}-`));
    // Traversable by every user: nginx's workers run as its unprivileged user and read the files mounted here.
    chmodSync(root, 0o755);
    // Run as root, nginx switches its workers to an unprivileged user, who must reach the root through its parents.
    const closed = process.getuid?.() === 0 ? untraversable(dirname(root)) : undefined;
    if (closed !== undefined) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(
        `the temp directory ${tmpdir()} lies under ${closed}, which other users cannot enter (mode ${(statSync(closed).mode & 0o777).toString(8)}): ` +
          "nginx's workers run as an unprivileged user and could not read the gateway's files. Set TMPDIR to a directory every user can traverse (chmod o+x).",
      );
    }
    const [lokiHttp, lokiGrpc, alertmanager, fluentBitHttp, gateway] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    return new LaptopSite(root, { lokiHttp, lokiGrpc, alertmanager, fluentBitHttp, gateway });
  }

  /** The in-cluster Services that are a program of this run other than Loki, by host: the gateway's. */
  private readonly routes = new Map<string, number>();

  /** Routes an in-cluster Service host to a laptop port (the gateway's host to nginx). */
  route(host: string, port: number): void {
    this.routes.set(host, port);
  }

  /** The laptop port of an in-cluster Service host: its route, else the one Loki process, which serves every Loki Service. */
  laptopPort(host: string): number {
    return this.routes.get(host) ?? this.ports.lokiHttp;
  }

  private constructor(
    /** The temp directory of the run. */
    readonly root: string,
    readonly ports: SitePorts,
  ) {}

  /** The directory that stands in for a node's filesystem root. */
  get hostRoot(): string {
    return join(this.root, "host");
  }

  /** Where a node's absolute path lives on the laptop: under the host root. */
  hostPath(nodePath: string): string {
    if (!posix.isAbsolute(nodePath)) throw new Error(`not an absolute node path: ${nodePath}`);
    return join(this.hostRoot, posix.normalize(nodePath));
  }

  /** Writes a file at a node path (under the host root), creating its directories. */
  writeNodeFile(nodePath: string, content: string): string {
    const file = this.hostPath(nodePath);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  }

  /** True when a laptop path lies inside this run's temp root. */
  contains(path: string): boolean {
    return path === this.root || path.startsWith(`${this.root}/`);
  }

  /** Removes the temp root. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
