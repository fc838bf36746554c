/**
 * Guards against losing logs by accident: buckets Terraform refuses to destroy, versioning, an
 * atomic Helm release, persistent ingester and compactor volumes, Fluent Bit state on the host,
 * and Terraform addresses of stateful resources pinned so a refactor never becomes destroy-and-recreate.
 */
import { parse as parseYaml } from "yaml";
import { ENVIRONMENTS } from "../../environments";
import { LokiStackProps } from "../../lib";
import { lokiValuesOf } from "../support/checks";
import { addressesOf, Block, many, one, onlyResource, referencedName, resourcesOf, synthStack, Synthesized } from "../support/synth";

const S3 = ENVIRONMENTS["loki-s3"];
const STATEFUL = /^(aws_s3_bucket|aws_iam_role|aws_kms_key|aws_iam_openid_connect_provider|helm_release)$/;

describe("given the default S3 stack", () => {
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack(S3, "loki-s3").json;
  });

  it.each(["loki_chunks", "loki_ruler"])("then aws_s3_bucket.%s cannot be destroyed by Terraform and is never emptied by it", (name) => {
    const bucket = json.resource.aws_s3_bucket[name];
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
    expect(bucket.force_destroy).toBe(false);
  });

  it.each(["loki_chunks", "loki_ruler"])("then aws_s3_bucket.%s keeps every version (versioning Enabled)", (name) => {
    const versioning = resourcesOf(json, "aws_s3_bucket_versioning").filter(([, v]) => referencedName(v.bucket, "aws_s3_bucket") === name);
    expect(versioning.map(([, v]) => one(v.versioning_configuration)?.status)).toEqual(["Enabled"]);
  });

  it("then the lifecycle backstop on chunks expires objects only after the retention, and ruler data (the rules) never expires", () => {
    const rules = (bucket: string) =>
      resourcesOf(json, "aws_s3_bucket_lifecycle_configuration")
        .filter(([, l]) => referencedName(l.bucket, "aws_s3_bucket") === bucket)
        .flatMap(([, l]) => many(l.rule));
    const chunkExpiry = rules("loki_chunks").flatMap((r) => many(r.expiration).map((e) => e.days as number));
    // Default retention is 744h = 31 days.
    expect(chunkExpiry).toEqual([61]);
    expect(chunkExpiry[0]).toBeGreaterThan(31);
    expect(rules("loki_ruler").flatMap((r) => many(r.expiration))).toEqual([]);
  });

  it("then the stateful resources sit at pinned Terraform addresses, so renaming a construct cannot destroy and recreate them", () => {
    expect(addressesOf(json, STATEFUL)).toEqual(["aws_iam_role.loki", "aws_s3_bucket.loki_chunks", "aws_s3_bucket.loki_ruler", "helm_release.loki"]);
  });

  it("then the Loki release is atomic and cleans up a failed upgrade, so a bad upgrade rolls back instead of leaving a half-upgraded ring", () => {
    const release = onlyResource(json, "helm_release");
    expect(release.atomic).toBe(true);
    expect(release.cleanup_on_fail).toBe(true);
    expect(release.wait).not.toBe(false);
    expect(release.timeout).toBeGreaterThanOrEqual(600);
  });

  it("then the ingesters keep their write-ahead log and the compactor its markers on persistent volumes", () => {
    const values = lokiValuesOf(json);
    expect(values.ingester.persistence.enabled).toBe(true);
    expect(values.compactor.persistence.enabled).toBe(true);
  });
});

describe("given SSE-KMS with a key the stack creates", () => {
  it("then the key is pinned at aws_kms_key.loki_logs and protected like the buckets, since losing it loses every object", () => {
    const json = synthStack({ ...S3, encryption: "SSE-KMS" }, "loki-s3").json;
    expect(addressesOf(json, STATEFUL)).toEqual([
      "aws_iam_role.loki",
      "aws_kms_key.loki_logs",
      "aws_s3_bucket.loki_chunks",
      "aws_s3_bucket.loki_ruler",
      "helm_release.loki",
    ]);
    const key = json.resource.aws_kms_key.loki_logs;
    expect(key.lifecycle).toEqual({ prevent_destroy: true });
    expect(key.deletion_window_in_days).toBe(30);
  });
});

describe("given other storage and identity options", () => {
  it.each<[string, LokiStackProps, string[]]>([
    ["a single bucket", { clusterName: "loki-reference", chunksBucketName: "loki-reference-logs", singleBucket: true }, ["aws_iam_role.loki", "aws_s3_bucket.loki_chunks"]],
    ["EKS Pod Identity", { ...S3, identity: "pod-identity" }, ["aws_iam_role.loki", "aws_s3_bucket.loki_chunks", "aws_s3_bucket.loki_ruler"]],
    ["a new OIDC provider", { ...S3, createOidcProvider: true }, ["aws_iam_role.loki", "aws_s3_bucket.loki_chunks", "aws_s3_bucket.loki_ruler"]],
  ])("when the stack uses %s then the buckets and the role keep the same addresses", (_, props, expected) => {
    const addresses = addressesOf(synthStack(props, "loki-s3").json, /^(aws_s3_bucket|aws_iam_role|aws_kms_key)$/);
    expect(addresses).toEqual(expected);
  });
});

describe("given allowDestroy: true for a throwaway environment", () => {
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack({ ...S3, encryption: "SSE-KMS", allowDestroy: true }, "loki-s3").json;
  });

  it.each(["loki_chunks", "loki_ruler"])("then aws_s3_bucket.%s may be destroyed, objects and all", (name) => {
    const bucket = json.resource.aws_s3_bucket[name];
    expect(bucket.lifecycle).toEqual({ prevent_destroy: false });
    expect(bucket.force_destroy).toBe(true);
  });

  it("then the created key may be destroyed too", () => {
    expect(json.resource.aws_kms_key.loki_logs.lifecycle).toEqual({ prevent_destroy: false });
  });

  it("then versioning stays on", () => {
    expect(resourcesOf(json, "aws_s3_bucket_versioning").map(([, v]) => one(v.versioning_configuration)?.status)).toEqual(["Enabled", "Enabled"]);
  });
});

/** The Fluent Bit DaemonSet's pod spec, its container, and its parsed YAML config. */
function fluentBitOf(json: Synthesized): { pod: Block; container: Block; config: Block } {
  const daemonSet = onlyResource(json, "kubernetes_daemon_set_v1");
  const pod = one(one(one(daemonSet.spec)?.template)?.spec) as Block;
  const container = many(pod.container)[0];
  const configVolume = many(pod.volume).find((v) => one(v.config_map)) as Block;
  const configMapName = /^\$\{kubernetes_config_map_v1\.([\w-]+)\.metadata\[0\]\.name\}$/.exec(one(configVolume.config_map)?.name)?.[1] as string;
  const data = one(json.resource.kubernetes_config_map_v1[configMapName].data) as Record<string, string>;
  const [text] = Object.values(data);
  return { pod, container, config: parseYaml(text) as Block };
}

describe.each<[string, LokiStackProps, string]>([
  ["the default state directory", S3, "/var/fluent-bit/state"],
  ["a custom state directory", { ...S3, fluentBit: { hostStateDir: "/var/lib/fluent-bit" } }, "/var/lib/fluent-bit"],
])("given Fluent Bit with %s", (_, props, hostStateDir) => {
  let fluentBit: ReturnType<typeof fluentBitOf>;
  beforeAll(() => {
    fluentBit = fluentBitOf(synthStack(props, "loki-s3").json);
  });

  /** The container path where the state hostPath is mounted. */
  const stateMount = (): string => {
    const volume = many(fluentBit.pod.volume).find((v) => one(v.host_path)?.path === hostStateDir) as Block;
    expect(one(volume.host_path)?.type).toBe("DirectoryOrCreate");
    const mount = many(fluentBit.container.volume_mount).find((m) => m.name === volume.name) as Block;
    expect(mount.read_only).not.toBe(true);
    return mount.mount_path as string;
  };

  it("then the tail offsets DB lives on the host, so a restart neither resends nor skips lines", () => {
    const tail = many(fluentBit.config.pipeline.inputs).find((i) => i.name === "tail") as Block;
    expect(tail.db).toMatch(new RegExp(`^${stateMount()}/[^/]+$`));
  });

  it("then the filesystem buffer (storage.path) lives on the host and every input and the Loki output use it, so a Loki outage or a restart loses nothing", () => {
    expect(fluentBit.config.service["storage.path"]).toMatch(new RegExp(`^${stateMount()}/`));
    for (const input of many(fluentBit.config.pipeline.inputs)) expect(input["storage.type"]).toBe("filesystem");
    const loki = many(fluentBit.config.pipeline.outputs).find((o) => o.name === "loki") as Block;
    expect(loki.retry_limit).toBe("no_limits");
    expect(loki["storage.total_limit_size"]).toEqual(expect.any(String));
  });
});
