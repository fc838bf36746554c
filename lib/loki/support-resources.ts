import type { ContainerResources } from "./sizing";

/**
 * Requests and limits of the chart's supporting pods, which it otherwise runs unbounded: the gateway (nginx) and, from
 * chart 18, its access-log exporter; the canary; the memcached exporters; and MinIO in MinIO mode.
 */
export const SUPPORT_RESOURCES = {
  gateway: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  gatewayExporter: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
  lokiCanary: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
  memcachedExporter: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
  minio: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
} as const satisfies Record<string, ContainerResources>;
