import { LOKI_COMPONENTS } from "./chart";
import { ContainerResources, parseCpu, parseMemoryGi } from "./sizing";
import type { LokiValues } from "./values";

/*
 * What a Loki release requests, summed from the chart values it receives. Pure: no cdktf, no I/O.
 * The stack reports it as its `loki_requests` output; `npm run bench:lines` prints it for each size.
 */

/** CPU and memory requested, summed. */
export interface RequestTotals {
  /** Cores. */
  readonly cpu_cores: number;
  /** GiB. */
  readonly memory_gib: number;
}

/** What the release requests: every pod it runs once, and the canary it runs on every node. */
export interface ReleaseRequests extends RequestTotals {
  readonly canary_per_node: RequestTotals;
}

/** The charts' default replicas of the gateway and each memcached (values.yaml of 6.29.0 and 18.11.0). */
const CHART_DEFAULT_REPLICAS = 1;
/** Zone-aware ingesters run as three StatefulSets of ceil(replicas / 3) each (`loki.ingester.replicaCount` of both chart versions). */
const ZONES = 3;

function add(totals: { cpu: number; gib: number }, replicas: number, r: ContainerResources | undefined): void {
  if (r === undefined || replicas <= 0) return;
  totals.cpu += replicas * (parseCpu(r.requests.cpu) ?? 0);
  totals.gib += replicas * (parseMemoryGi(r.requests.memory) ?? 0);
}

const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * The CPU and memory requests of the release, read from the chart values it receives (after valuesOverrides),
 * so the figures can never disagree with what Kubernetes is asked for.
 */
export function releaseRequests(values: LokiValues): ReleaseRequests {
  const loose = values as unknown as Record<string, { replicas?: number; resources?: ContainerResources; enabled?: boolean } | undefined>;
  const totals = { cpu: 0, gib: 0 };
  for (const component of LOKI_COMPONENTS) {
    let replicas = values[component].replicas;
    if (component === "ingester" && values.ingester.zoneAwareReplication.enabled) replicas = ZONES * Math.ceil(replicas / ZONES);
    add(totals, replicas, values[component].resources);
  }
  for (const cache of ["chunksCache", "resultsCache"] as const) {
    const replicas = loose[cache]?.replicas ?? CHART_DEFAULT_REPLICAS;
    add(totals, replicas, values[cache].resources);
    // One exporter sidecar in each memcached pod.
    add(totals, replicas, values.memcachedExporter.resources);
  }
  const gateway = values.gateway as { replicas?: number; resources: ContainerResources; metrics?: { resources?: ContainerResources } };
  add(totals, gateway.replicas ?? CHART_DEFAULT_REPLICAS, gateway.resources);
  // Chart 18 runs an access-log exporter beside nginx in each gateway pod.
  add(totals, gateway.replicas ?? CHART_DEFAULT_REPLICAS, gateway.metrics?.resources);
  if (values.minio.enabled) add(totals, CHART_DEFAULT_REPLICAS, values.minio.resources);
  const canary = { cpu: 0, gib: 0 };
  add(canary, 1, values.lokiCanary.resources);
  return {
    cpu_cores: round(totals.cpu),
    memory_gib: round(totals.gib),
    canary_per_node: { cpu_cores: round(canary.cpu), memory_gib: round(canary.gib) },
  };
}
