import { createHash } from "node:crypto";
import { parse } from "yaml";
import {
  buildFluentBitConfig,
  configChecksum,
  FLUENT_BIT_HTTP_PORT,
  FluentBitConfig,
  fluentBitStatePaths,
  KubernetesFilter,
  renderFluentBitConfig,
  TailInput,
} from "../../lib/fluent-bit/config";
import { FluentBitOptions, LokiPushTarget, resolveFluentBitProps } from "../../lib/fluent-bit/props";
import { Json } from "../support/json";
import { pushTarget } from "../support/targets";

function build(options: FluentBitOptions = {}, loki: LokiPushTarget = pushTarget()): { config: FluentBitConfig; yaml: string; parsed: Json } {
  const config = buildFluentBitConfig(resolveFluentBitProps({ ...options, loki }));
  const yaml = renderFluentBitConfig(config);
  return { config, yaml, parsed: parse(yaml) as Json };
}

const lokiOutput = (parsed: Json): Json => parsed.pipeline.outputs.find((o: Json) => o.name === "loki");

/** Fluent Bit's `key=value, key=value` list as a record. */
function keyValues(list: string): Record<string, string> {
  return Object.fromEntries(list.split(",").map((pair) => pair.trim().split("=") as [string, string]));
}

/** A tail glob as a RegExp: `*` matches within one path segment, as in glob(3). */
function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
}

describe("buildFluentBitConfig defaults, read back from the rendered YAML", () => {
  const { config, yaml, parsed } = build();

  test("given defaults, then the YAML parses back to exactly the typed config", () => {
    expect(parsed).toEqual(JSON.parse(JSON.stringify(config)));
    expect(Object.keys(parsed)).toEqual(["service", "pipeline"]);
    expect(Object.keys(parsed.pipeline)).toEqual(["inputs", "filters", "outputs"]);
    expect(yaml).not.toMatch(/\[(SERVICE|INPUT|FILTER|OUTPUT)\]/);
  });

  test("given defaults, then the HTTP server runs on 2020 with the health check on", () => {
    expect(parsed.service).toMatchObject({ http_server: "on", http_listen: "0.0.0.0", http_port: 2020, health_check: "on" });
    expect(FLUENT_BIT_HTTP_PORT).toBe(2020);
  });

  test("given defaults, then buffering is on the host state directory with normal sync and a backlog memory limit", () => {
    expect(parsed.service["storage.path"]).toBe("/var/fluent-bit/state/buffer");
    expect(parsed.service["storage.sync"]).toBe("normal");
    expect(parsed.service["storage.backlog.mem_limit"]).toBe("5M");
    expect(parsed.service["storage.max_chunks_up"]).toBe(64);
  });

  test("given defaults, then one tail input reads every container log with the docker and cri multiline parsers", () => {
    expect(parsed.pipeline.inputs).toHaveLength(1);
    const tail: TailInput = parsed.pipeline.inputs[0];
    expect(tail).toMatchObject({
      name: "tail",
      tag: "kube.*",
      path: "/var/log/containers/*.log",
      "multiline.parser": "docker, cri",
      skip_long_lines: "on",
      mem_buf_limit: "50M",
      "storage.type": "filesystem",
    });
  });

  test("given defaults, then the offsets DB sits on the host state directory, so a restart resumes where it stopped", () => {
    const tail: TailInput = parsed.pipeline.inputs[0];
    expect(tail.db).toBe("/var/fluent-bit/state/tail-containers.db");
    expect(tail["db.locking"]).toBe(true);
  });

  test("given defaults, then the agent's own logs are excluded, and only those", () => {
    const exclude = globToRegExp(parsed.pipeline.inputs[0].exclude_path);
    const include = globToRegExp(parsed.pipeline.inputs[0].path);
    const own = "/var/log/containers/fluent-bit-x7k2p_fluent-bit_fluent-bit-0123abcd.log";
    const other = "/var/log/containers/fluent-bit-x7k2p_default_fluent-bit-0123abcd.log";
    expect(include.test(own)).toBe(true);
    expect(exclude.test(own)).toBe(true);
    expect(exclude.test(other)).toBe(false);
    expect(exclude.test("/var/log/containers/loki-distributor-6d9f_loki_distributor-89ab.log")).toBe(false);
  });

  test("given defaults, then the kubernetes filter merges JSON logs, drops the raw copy and honours pod annotations", () => {
    const filter: KubernetesFilter = parsed.pipeline.filters[0];
    expect(filter).toMatchObject({
      name: "kubernetes",
      match: "kube.*",
      merge_log: "on",
      keep_log: "off",
      "k8s-logging.parser": "on",
      "k8s-logging.exclude": "on",
    });
    expect(parsed.pipeline.filters).toHaveLength(1);
  });

  test("given defaults, then the loki output targets the distributor Service of release loki in namespace loki", () => {
    const loki = lokiOutput(parsed);
    expect(loki).toMatchObject({ host: "loki-distributor.loki.svc.cluster.local", port: 3100, uri: "/loki/api/v1/push", match: "kube.*" });
    expect(parsed.pipeline.outputs).toHaveLength(1);
  });

  test("given auth off, then no tenant_id is sent", () => {
    expect(lokiOutput(parsed)).not.toHaveProperty("tenant_id");
    expect(yaml).not.toMatch(/tenant_id/);
  });

  test("given defaults, then stream labels are exactly job, namespace, container and app", () => {
    expect(keyValues(lokiOutput(parsed).labels)).toEqual({
      job: "fluent-bit",
      namespace: "$kubernetes['namespace_name']",
      container: "$kubernetes['container_name']",
      app: "$kubernetes['labels']['app']",
    });
  });

  test("given defaults, then the pod name and the node go into structured metadata, not labels", () => {
    expect(keyValues(lokiOutput(parsed).structured_metadata)).toEqual({ pod: "$kubernetes['pod_name']", node: "$kubernetes['host']" });
    expect(lokiOutput(parsed).labels).not.toMatch(/pod_name|host/);
    expect(lokiOutput(parsed)).not.toHaveProperty("auto_kubernetes_labels");
  });

  test("given defaults, then delivery is JSON lines, gzip, unlimited retries and a 2G disk buffer", () => {
    expect(lokiOutput(parsed)).toMatchObject({
      line_format: "json",
      compress: "gzip",
      retry_limit: "no_limits",
      "storage.total_limit_size": "2G",
    });
  });

  test("given defaults, then the checksum is the SHA-256 of the rendered YAML", () => {
    expect(configChecksum(yaml)).toBe(createHash("sha256").update(yaml).digest("hex"));
    expect(configChecksum(yaml)).toBe(configChecksum(renderFluentBitConfig(build().config)));
  });
});

describe("buildFluentBitConfig wiring to the Loki release", () => {
  test.each([
    ["loki", "loki", "loki-distributor.loki.svc.cluster.local"],
    ["logs", "observability", "logs-loki-distributor.observability.svc.cluster.local"],
    ["my-loki", "logging", "my-loki-distributor.logging.svc.cluster.local"],
  ])("given release %s in namespace %s, then the output host is the chart's distributor Service %s", (releaseName, namespace, host) => {
    const { parsed } = build({}, pushTarget(releaseName, namespace));
    expect(lokiOutput(parsed)).toMatchObject({ host, port: 3100 });
  });

  test("given auth on, then tenant_id equals the shared tenant, the one the ruler uses", () => {
    const loki = lokiOutput(build({}, pushTarget("loki", "loki", "team-a")).parsed);
    expect(loki.tenant_id).toBe("team-a");
  });
});

describe("buildFluentBitConfig settings", () => {
  test("given another host state directory, then the DB and the buffer move with it", () => {
    const { parsed } = build({ hostStateDir: "/var/lib/fluent-bit" });
    expect(parsed.service["storage.path"]).toBe("/var/lib/fluent-bit/buffer");
    expect(parsed.pipeline.inputs[0].db).toBe("/var/lib/fluent-bit/tail-containers.db");
  });

  test("given a trailing slash on the state directory, then the paths have no double slash", () => {
    expect(fluentBitStatePaths("/var/lib/fluent-bit/")).toEqual({ db: "/var/lib/fluent-bit/tail-containers.db", storage: "/var/lib/fluent-bit/buffer" });
  });

  test("given another agent namespace, then that namespace's logs are the excluded ones", () => {
    const { parsed } = build({ namespace: "logging" });
    expect(parsed.pipeline.inputs[0].exclude_path).toBe("/var/log/containers/*_logging_*.log");
  });

  test("given a buffer limit, then it bounds the output's disk buffer", () => {
    expect(lokiOutput(build({ bufferLimit: "512M" }).parsed)["storage.total_limit_size"]).toBe("512M");
  });

  test("given extra filters and outputs, then they follow the built-in ones in order", () => {
    const grep = { name: "grep", match: "kube.*", exclude: "log ^healthz" };
    const modify = { name: "modify", match: "kube.*", add: "cluster prod-eks" };
    const s3 = { name: "s3", match: "kube.*", bucket: "acme-log-archive", region: "ap-northeast-1" };
    const { parsed } = build({ extraFilters: [grep, modify], extraOutputs: [s3] });
    expect(parsed.pipeline.filters.map((f: Json) => f.name)).toEqual(["kubernetes", "grep", "modify"]);
    expect(parsed.pipeline.filters.slice(1)).toEqual([grep, modify]);
    expect(parsed.pipeline.outputs.map((o: Json) => o.name)).toEqual(["loki", "s3"]);
    expect(parsed.pipeline.outputs[1]).toEqual(s3);
  });

  test("given a changed setting, then the checksum changes", () => {
    expect(configChecksum(build().yaml)).not.toBe(configChecksum(build({ bufferLimit: "4G" }).yaml));
  });
});
