import type { FluentBitAgentFacts } from "../agent";

/**
 * Fluent Bit 5.1.1, deployed beside Loki chart 18.11.0.
 * @see https://docs.fluentbit.io/manual/administration/monitoring
 */
export const FLUENT_BIT_5_1_1: FluentBitAgentFacts = {
  version: "5.1.1",
  image: "cr.fluentbit.io/fluent/fluent-bit:5.1.1",
  livenessPath: "/",
  // The v2 health endpoint: JSON with the error and retry counts against their limits, 500 once they are exceeded
  // (measured on 5.1.1 with health_check on). /api/v1/health answers only with health_check on.
  readinessPath: "/api/v2/health",
  metricsPath: "/api/v2/metrics/prometheus",
};
