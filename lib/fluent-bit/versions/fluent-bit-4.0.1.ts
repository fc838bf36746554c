import type { FluentBitAgentFacts } from "../agent";

/**
 * Fluent Bit 4.0.1, deployed beside Loki chart 6.29.0.
 * @see https://docs.fluentbit.io/manual/4.0/administration/monitoring
 */
export const FLUENT_BIT_4_0_1: FluentBitAgentFacts = {
  version: "4.0.1",
  image: "cr.fluentbit.io/fluent/fluent-bit:4.0.1",
  livenessPath: "/",
  // 4.0 serves the health check at /api/v1/health. It has no /api/v2/health: it answers that path, as every path it
  // does not serve, with its build information and 200, so a probe there would never fail (run with 4.0.1).
  readinessPath: "/api/v1/health",
  metricsPath: "/api/v2/metrics/prometheus",
};
