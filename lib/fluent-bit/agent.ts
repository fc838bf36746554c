/**
 * The one interface behind which every Fluent Bit version the stack deploys keeps its facts: image, probe paths and
 * metrics path. Each version is one module in lib/fluent-bit/versions/; lib/fluent-bit/agent-versions.ts lists them.
 * The stack picks the version that goes with the Loki chart version; this part knows nothing of Loki's charts.
 */

/** A Fluent Bit version the stack deploys: each has been dry-run and run with the stack's config. */
export type FluentBitVersion = "5.1.1" | "4.0.1";
/** Every Fluent Bit version the stack knows, newest first. */
export const FLUENT_BIT_VERSIONS: readonly FluentBitVersion[] = ["5.1.1", "4.0.1"];

/** The facts of one Fluent Bit version that the DaemonSet and the monitoring depend on. */
export interface FluentBitAgentFacts {
  readonly version: FluentBitVersion;
  /** The official image of that version, pinned. */
  readonly image: string;
  /** Liveness: a path the HTTP server answers whatever the outputs do, so a Loki outage never restarts the agents. */
  readonly livenessPath: string;
  /** Readiness: the health check, failing when outputs keep erroring (needs `health_check on`). */
  readonly readinessPath: string;
  /** The Prometheus metrics endpoint that has the storage (buffer) metrics. */
  readonly metricsPath: string;
}
