/*
 * Lean stored lines: what Loki keeps of each record Fluent Bit ships. Pure: no cdktf, no I/O.
 *
 * The record a container line becomes in the pipeline (tail with the cri/docker multiline parser, then the
 * kubernetes filter) is
 *   { time, stream, _p, log | <merged JSON under MERGED_LOG_KEY>, kubernetes: { pod_name, namespace_name, ... } }
 * Fluent Bit 4.0.1's loki output (plugins/out_loki/loki.c, loki_compose_payload) packs, per record:
 *   1. the stream labels, from the original record (pack_labels);
 *   2. the line (pack_record): remove_keys on a copy of the record, then drop_single_key, then line_format;
 *   3. the structured metadata, again from the original record (pack_structured_metadata).
 * So removing `kubernetes` does not lose the labels or the pod and node metadata read from it.
 * config.ts builds the filter and output from these constants; its shapeOf reads a built config back as a LineShape.
 * @see https://github.com/fluent/fluent-bit/blob/v4.0.1/plugins/out_loki/loki.c
 */

/**
 * Key the kubernetes filter puts a JSON log's fields under (`merge_log_key`). Nesting them keeps an
 * application's own `time`, `stream` or `kubernetes` field out of reach of remove_keys; the key itself never
 * reaches Loki, because drop_single_key unwraps the one key left.
 */
export const MERGED_LOG_KEY = "log_processed";

/**
 * Record keys the loki output removes from the stored line:
 * - `kubernetes`: the filter's metadata; namespace, container and app are labels, pod and node structured metadata;
 * - `stream` (stdout/stderr) and `_p` (CRI partial flag): parser bookkeeping;
 * - `time`: the CRI/docker timestamp, already the entry's timestamp.
 */
export const REMOVED_KEYS = ["kubernetes", "stream", "_p", "time"] as const;

/** The loki output and kubernetes filter settings that shape a stored line. */
export interface LineShape {
  /** kubernetes filter `merge_log_key`; unset merges a JSON log's fields at the top level. */
  readonly mergeLogKey?: string;
  /** kubernetes filter `annotations`. */
  readonly annotations: boolean;
  /** loki output `remove_keys`. */
  readonly removeKeys: readonly string[];
  /** loki output `drop_single_key`. */
  readonly dropSingleKey: "off" | "on" | "raw";
}

/** Fluent Bit's `a, b, c` list form of `remove_keys`. */
export function removeKeysList(keys: readonly string[]): string {
  return keys.join(", ");
}

/** A container log line as the kubelet writes it, and the pod it comes from. */
export interface SampleLine {
  /** CRI timestamp. */
  readonly time: string;
  readonly stream: "stdout" | "stderr";
  /** What the application wrote. */
  readonly log: string;
  /** The kubernetes filter's metadata of the pod, annotations included. */
  readonly kubernetes: Readonly<Record<string, unknown>>;
}

/**
 * The line Loki stores for a sample, following the filter and the output step by step:
 * - kubernetes filter: merge_log on, keep_log off: a JSON log becomes a map (under mergeLogKey, or merged at
 *   the top level) and `log` is dropped; other logs stay in `log`. annotations off drops `annotations`.
 * - loki output pack_record: remove_keys (top-level keys), then drop_single_key when one key is left
 *   ("raw": a string is sent as it is; a map as its JSON), else the record as compact JSON (line_format json).
 * Key order follows the record, as msgpack keeps it.
 */
export function storedLine(sample: SampleLine, shape: LineShape): string {
  const kubernetes: Record<string, unknown> = { ...sample.kubernetes };
  if (!shape.annotations) delete kubernetes.annotations;
  let record: Record<string, unknown> = { time: sample.time, stream: sample.stream, _p: "F" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(sample.log);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
    record = shape.mergeLogKey ? { ...record, [shape.mergeLogKey]: parsed } : { ...record, ...(parsed as Record<string, unknown>) };
  } else {
    record = { ...record, log: sample.log };
  }
  record.kubernetes = kubernetes;

  for (const key of shape.removeKeys) delete record[key];
  const keys = Object.keys(record);
  if (shape.dropSingleKey !== "off" && keys.length === 1) {
    const value = record[keys[0]];
    if (typeof value === "string" && shape.dropSingleKey === "raw") return value;
    return JSON.stringify(value);
  }
  return JSON.stringify(record);
}

/** UTF-8 bytes of a stored line. */
export function lineBytes(line: string): number {
  return Buffer.byteLength(line, "utf8");
}

/**
 * A typical pod's metadata as Fluent Bit 4.0.1's kubernetes filter adds it: a Deployment's pod with the usual
 * labels and the annotations most clusters carry (a checksum, a restart stamp, a Prometheus scrape hint).
 */
export const TYPICAL_KUBERNETES: Readonly<Record<string, unknown>> = {
  pod_name: "checkout-7c9f8d6b5d-x2x7q",
  namespace_name: "shop",
  pod_id: "3f1c2b4e-9a7d-4c1e-8b2a-5d6e7f8a9b0c",
  labels: {
    app: "checkout",
    "app.kubernetes.io/name": "checkout",
    "app.kubernetes.io/instance": "checkout",
    "app.kubernetes.io/version": "1.14.2",
    "pod-template-hash": "7c9f8d6b5d",
  },
  annotations: {
    "checksum/config": "5b1e0f3c9d2a7e4b6c8d0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c",
    "kubectl.kubernetes.io/restartedAt": "2026-11-30T09:12:44Z",
    "prometheus.io/scrape": "true",
    "prometheus.io/port": "9090",
  },
  host: "ip-10-0-42-17.ap-northeast-1.compute.internal",
  pod_ip: "10.0.42.133",
  container_name: "checkout",
  docker_id: "9d3f2c1b0a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817069876",
  container_hash: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/checkout@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
  container_image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/checkout:1.14.2",
};

/** Typical container lines: a plain-text line and a JSON line. */
export const TYPICAL_LINES: readonly SampleLine[] = [
  {
    time: "2026-12-01T02:50:11.482913771Z",
    stream: "stdout",
    log: "INFO  [http-nio-8080-exec-4] c.e.checkout.OrderController - order 81724 accepted in 42 ms",
    kubernetes: TYPICAL_KUBERNETES,
  },
  {
    time: "2026-12-01T02:50:11.482913771Z",
    stream: "stdout",
    log: '{"level":"info","ts":"2026-12-01T02:50:11.482Z","msg":"order accepted","order":81724,"duration_ms":42}',
    kubernetes: TYPICAL_KUBERNETES,
  },
];

/** The shape the stack shipped before lean lines: every key but the merged `log`, annotations on. */
export const PREVIOUS_SHAPE: LineShape = { annotations: true, removeKeys: [], dropSingleKey: "off" };
