import { Release } from "@cdktf/provider-helm/lib/release";
import { parse } from "yaml";
import { LokiStackProps } from "../../lib/loki-stack-props";
import { LokiObjectStorage, LokiReleaseProps, resolveLokiReleaseProps } from "../../lib/loki/loki-props";
import { LokiRelease, lokiValuesYaml } from "../../lib/loki/loki-release";
import { EXAMPLE_RULE_GROUPS } from "../../lib/loki/rules/rules";
import { defaultLimits, limitsConfig } from "../../lib/loki/sizing";
import { buildLokiValues, LokiValues } from "../../lib/loki/values";
import { Json } from "../support/json";
import { policyDocument, synthPart, synthStack } from "../support/synth";

const ISSUER_HOST = "${local.loki_oidc_issuer_host}";
const KMS_ARN = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** S3 storage with the bucket names a stack for cluster loki-reference defaults to. */
const S3: LokiObjectStorage = { mode: "s3", region: "ap-northeast-1", chunksBucketName: "loki-reference-loki-chunks", rulerBucketName: "loki-reference-loki-ruler" };

/** The release's own props: S3 storage plus the given settings. */
const releaseProps = (props: Partial<LokiReleaseProps> = {}): LokiReleaseProps => ({ storage: S3, ...props });

/** The values the release builds from its props. */
const valuesOf = (props: Partial<LokiReleaseProps> = {}): LokiValues => buildLokiValues(resolveLokiReleaseProps(releaseProps(props)));

/** The one Loki helm_release of synthesized JSON, with its values parsed. */
function releaseOf(json: Json): { release: Json; values: Json } {
  const releases = Object.values<Json>(json.resource.helm_release).filter((r) => r.chart === "loki");
  expect(releases).toHaveLength(1);
  const [release] = releases;
  expect(release.values).toHaveLength(1);
  return { release, values: parse(release.values[0]) };
}

/** A whole LokiStack for cluster loki-reference, with its release and the parsed values. */
function synthLokiStack(props: Partial<LokiStackProps> = {}) {
  const { json, stack } = synthStack({ clusterName: "loki-reference", ...props });
  return { json, stack, ...releaseOf(json) };
}

describe("LokiRelease defaults", () => {
  const synthesized = synthPart((scope) => {
    new LokiRelease(scope, "Loki", releaseProps());
  });
  const { release, values } = releaseOf(JSON.parse(synthesized));

  test("matches the snapshot", () => {
    expect(synthesized).toMatchSnapshot();
  });

  test("given defaults, then it installs the pinned loki chart in its own namespace, created if needed", () => {
    expect(synthesized).toHaveResourceWithProperties(Release, {
      name: "loki",
      chart: "loki",
      repository: "https://grafana-community.github.io/helm-charts",
      version: "18.11.0",
      namespace: "loki",
      create_namespace: true,
    });
  });

  test("given defaults, then a failed install rolls back, waits long enough for volumes and keeps bounded history", () => {
    expect(release).toMatchObject({ atomic: true, cleanup_on_fail: true, wait: true, timeout: 900, max_history: 10 });
  });

  test("given defaults, then the values are exactly the builder's, serialised once", () => {
    expect(values).toEqual(valuesOf());
    expect(release.values[0]).toBe(lokiValuesYaml(valuesOf()));
  });

  test("given bucket names and no dependencies, then those names are used and nothing is depended on", () => {
    expect(values.loki.storage.bucketNames).toEqual({ chunks: "loki-reference-loki-chunks", ruler: "loki-reference-loki-ruler" });
    expect(release).not.toHaveProperty("depends_on");
  });
});

describe("LokiRelease with other chart and Helm settings", () => {
  const synthesized = synthPart((scope) => {
    new LokiRelease(
      scope,
      "Loki",
      releaseProps({
        chartRepository: "https://charts.example.com/mirror",
        chartVersion: "6.29.0",
        helmTimeoutSeconds: 1800,
        helmMaxHistory: 3,
      }),
    );
  });

  test("given a chart source and Helm settings, then the release follows them", () => {
    expect(synthesized).toHaveResourceWithProperties(Release, {
      repository: "https://charts.example.com/mirror",
      version: "6.29.0",
      timeout: 1800,
      max_history: 3,
    });
  });
});

describe("LokiRelease values YAML", () => {
  test("given a bucket name a YAML reader could take for a number, then it stays a string", () => {
    const values = valuesOf({ storage: { ...S3, chunksBucketName: "123", rulerBucketName: "124" } });
    expect(parse(lokiValuesYaml(values)).loki.storage.bucketNames).toEqual({ chunks: "123", ruler: "124" });
  });

  test("given a literal ${ or %{ in a rule, then it is escaped for Terraform and Helm receives it unchanged", () => {
    const expr = 'label_replace(rate({app="a"}[5m]), "dst", "${1}", "src", "(.*)") > 0';
    const text = lokiValuesYaml(valuesOf({ ruleGroups: [{ name: "g", rules: [{ alert: "A", expr, annotations: { note: "%{not a directive}" } }] }] }));
    expect(text).toContain('"$${1}"');
    expect(text).toContain("%%{not a directive}");
    const unescaped = text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
    const rules = parse(parse(unescaped).ruler.directories.fake["g.yaml"]).groups[0].rules[0];
    expect(rules).toEqual({ alert: "A", expr, annotations: { note: "%{not a directive}" } });
  });

  test("given Terraform references, then they are double-quoted and left unescaped", () => {
    const { json, release } = synthLokiStack({ encryption: "SSE-KMS" });
    expect(json.resource.aws_kms_key).toBeDefined();
    expect(release.values[0]).toContain('chunks: "${aws_s3_bucket.loki_chunks.bucket}"');
    expect(release.values[0]).toContain('kms_key_id: "${aws_kms_key.loki_logs.arn}"');
    expect(release.values[0]).toContain('eks.amazonaws.com/role-arn: "${aws_iam_role.loki.arn}"');
  });

  test.each<[Partial<LokiReleaseProps>, RegExp]>([
    [{ replicationFactor: 3 }, /^replicationFactor must be at most replicas\.ingester \(1\)/],
    [{ chartVersion: "^6.29.0" as never }, /^chartVersion must be one of the chart versions the stack knows/],
    [{ tenant: "team.a" }, /^tenant must be a tenant of letters/],
    [{ storage: { ...S3, region: "tokyo" } }, /^region must be an AWS region code/],
    [{ storage: { mode: "gcs" } as never }, /^storage must be "s3", "minio" or "minio-release" \(got "gcs"\)/],
  ])("fails on its own, before any resource exists, with %j", (props, message) => {
    expect(() => synthPart((scope) => new LokiRelease(scope, "Loki", releaseProps(props)))).toThrow(message);
  });
});

describe("LokiRelease in the reference stack (S3, IRSA)", () => {
  const { json, release, values, stack } = synthLokiStack({
    region: "ap-northeast-1",
    chunksBucketName: "loki-reference-apne1-chunks",
    rulerBucketName: "loki-reference-apne1-ruler",
    ruleGroups: EXAMPLE_RULE_GROUPS,
  });

  test("given S3, then the bucket names are the bucket construct's, with region and no endpoint or keys", () => {
    expect(values.loki.storage).toEqual({
      type: "s3",
      bucketNames: { chunks: "${aws_s3_bucket.loki_chunks.bucket}", ruler: "${aws_s3_bucket.loki_ruler.bucket}" },
      s3: { region: "ap-northeast-1" },
    });
    expect(json.resource.aws_s3_bucket.loki_chunks.bucket).toBe("loki-reference-apne1-chunks");
    expect(json.resource.aws_s3_bucket.loki_ruler.bucket).toBe("loki-reference-apne1-ruler");
    expect(values.minio).toEqual({ enabled: false });
  });

  test("given IRSA, then the service account the chart creates carries the role and is the one the trust names", () => {
    expect(values.serviceAccount).toEqual({
      create: true,
      name: "loki",
      annotations: { "eks.amazonaws.com/role-arn": "${aws_iam_role.loki.arn}" },
      automountServiceAccountToken: false,
    });
    const trust = policyDocument(json.resource.aws_iam_role.loki.assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals[`${ISSUER_HOST}:sub`]).toBe(`system:serviceaccount:${release.namespace}:${values.serviceAccount.name}`);
  });

  test("given the reference rule and auth off, then the rule lives under fake, read from local storage", () => {
    expect(values.loki.auth_enabled).toBe(false);
    expect(Object.keys(values.ruler.directories)).toEqual(["fake"]);
    expect(parse(values.ruler.directories.fake["argocd.yaml"]).groups[0].rules[0]).toMatchObject({
      alert: "HighPercentageError",
      expr: 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9',
      for: "1m",
      labels: { severity: "warning" },
    });
    expect(values.loki.structuredConfig.ruler.storage).toEqual({ type: "local", local: { directory: "/etc/loki/rules" } });
    expect(values.loki.rulerConfig).toEqual({ alertmanager_url: "http://prometheus-alertmanager.prometheus.svc.cluster.local:9093", enable_api: true });
  });

  test("given defaults, then Distributed mode, zeroed scalable targets, one replica each, RF 1, no zones", () => {
    expect(values.deploymentMode).toBe("Distributed");
    for (const target of ["backend", "read", "write", "singleBinary"]) expect(values[target].replicas).toBe(0);
    for (const component of ["distributor", "ingester", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler"]) {
      expect(values[component].replicas).toBe(1);
    }
    expect(values.loki.commonConfig.replication_factor).toBe(1);
    expect(values.ingester.zoneAwareReplication.enabled).toBe(false);
  });

  test("given defaults, then schema, retention, structured metadata, snappy, caches and volumes are set", () => {
    expect(values.loki.schemaConfig.configs).toEqual([
      { from: "2024-04-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "loki_index_", period: "24h" } },
    ]);
    expect(values.loki.limits_config).toEqual({ retention_period: "744h", allow_structured_metadata: true, ...limitsConfig(defaultLimits(undefined, 744)) });
    expect(values.loki.compactor).toEqual({ retention_enabled: true, delete_request_store: "s3" });
    expect(values.loki.ingester.chunk_encoding).toBe("snappy");
    expect(values.chunksCache.allocatedMemory).toBe(512);
    expect(values.resultsCache.allocatedMemory).toBe(128);
    expect(values.ingester.persistence).toEqual({ enabled: true, claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: "10Gi", storageClass: "loki-gp3" }] });
    expect(values.compactor.persistence).toEqual({ enabled: true, claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: "10Gi", storageClass: "loki-gp3" }] });
  });

  test("given S3 with SSE-S3, then no sse values are set", () => {
    expect(values.loki.storage.s3).not.toHaveProperty("sse");
  });

  test("given the role and buckets, then the release waits for the role's policy and the buckets", () => {
    expect(release.depends_on).toEqual(expect.arrayContaining(["aws_iam_role.loki", "aws_iam_role_policy.LokiRole_S3Access_627D9381", "aws_s3_bucket.loki_chunks"]));
  });

  test("given defaults, then the stack outputs the push URL and the query URL with descriptions", () => {
    expect(json.output.push_url).toEqual({ value: "http://loki-distributor.loki.svc.cluster.local:3100/loki/api/v1/push", description: expect.any(String) });
    expect(json.output.query_url).toEqual({ value: "http://loki-query-frontend.loki.svc.cluster.local:3100", description: expect.any(String) });
    expect(stack.loki.pushUrl).toBe(json.output.push_url.value);
    expect(stack.loki.queryUrl).toBe(json.output.query_url.value);
  });
});

describe("LokiRelease in a production-size stack with SSE-KMS", () => {
  const { values } = synthLokiStack({ size: "production", kmsKeyArn: KMS_ARN });

  test("given the production size, then Grafana's AWS guide replicas, RF 3 and no zone awareness", () => {
    expect(values.ingester.replicas).toBe(3);
    expect(values.querier.replicas).toBe(3);
    expect(values.distributor.replicas).toBe(3);
    expect(values.queryFrontend.replicas).toBe(2);
    expect(values.queryScheduler.replicas).toBe(2);
    expect(values.indexGateway.replicas).toBe(2);
    expect(values.compactor.replicas).toBe(1);
    expect(values.ruler.replicas).toBe(1);
    expect(values.loki.commonConfig.replication_factor).toBe(3);
    expect(values.ingester.zoneAwareReplication.enabled).toBe(false);
    expect(values.chunksCache.allocatedMemory).toBe(2048);
  });

  test("given an existing KMS key, then Loki writes with SSE-KMS and that key", () => {
    expect(values.loki.storage.s3.sse).toEqual({ type: "SSE-KMS", kms_key_id: KMS_ARN });
  });
});

describe("LokiRelease with Pod Identity", () => {
  const { json, release, values } = synthLokiStack({ identity: "pod-identity" });

  test("given Pod Identity, then the service account has no role annotation", () => {
    expect(values.serviceAccount).toEqual({ create: true, name: "loki", annotations: {}, automountServiceAccountToken: false });
  });

  test("given Pod Identity, then the release waits for the association, so its pods get credentials", () => {
    const [association] = Object.keys(json.resource.aws_eks_pod_identity_association);
    expect(release.depends_on).toContain(`aws_eks_pod_identity_association.${association}`);
    expect(json.resource.aws_eks_pod_identity_association[association]).toMatchObject({ namespace: "loki", service_account: values.serviceAccount.name });
  });
});

describe("LokiRelease with MinIO on chart 6.29.0 (the bundled MinIO)", () => {
  const { json, values } = synthLokiStack({ storage: "minio", chartVersion: "6.29.0", kubeconfig: { path: "~/.kube/config" } });

  test("given MinIO, then the chart's MinIO is on and nothing AWS is set or created", () => {
    expect(values.minio).toMatchObject({ enabled: true });
    expect(values.loki.storage).toEqual({ type: "s3" });
    expect(values.serviceAccount.annotations).toEqual({});
    expect(Object.keys(json.resource).filter((type) => type !== "helm_release" && !type.startsWith("kubernetes_"))).toEqual([]);
    expect(Object.keys(json.data ?? {}).filter((type) => !type.startsWith("kubernetes_"))).toEqual([]);
  });
});

describe("LokiRelease with MinIO on chart 18.11.0 (a MinIO release of its own)", () => {
  const { json, values } = synthLokiStack({ storage: "minio", kubeconfig: { path: "~/.kube/config" } });

  test("given MinIO, then the chart's MinIO is off, Loki stores in the MinIO release, and nothing AWS is set or created", () => {
    expect(values.minio).toEqual({ enabled: false });
    expect(values.loki.storage.s3.endpoint).toBe("loki-minio-store.loki.svc.cluster.local:9000");
    expect(values.serviceAccount.annotations).toEqual({});
    expect(Object.keys(json.resource.helm_release).sort()).toEqual(["loki", "loki_minio_store"]);
    expect(Object.keys(json.resource).filter((type) => type !== "helm_release" && !type.startsWith("kubernetes_"))).toEqual([]);
    expect(Object.keys(json.data ?? {}).filter((type) => !type.startsWith("kubernetes_"))).toEqual([]);
  });
});

describe("LokiRelease with a tenant", () => {
  const { json, values } = synthLokiStack({ tenant: "team-a", ruleGroups: EXAMPLE_RULE_GROUPS });

  test("given a tenant, then auth is on and the rules live under that tenant", () => {
    expect(values.loki.auth_enabled).toBe(true);
    expect(Object.keys(values.ruler.directories)).toEqual(["team-a"]);
    expect(Object.keys(values.ruler.directories["team-a"])).toEqual(["argocd.yaml"]);
    expect(json.output.push_url.value).toBe("http://loki-distributor.loki.svc.cluster.local:3100/loki/api/v1/push");
  });
});

describe("LokiRelease with another release name and namespace", () => {
  const { json, release, values } = synthLokiStack({ releaseName: "logs", namespace: "observability", ruleGroups: EXAMPLE_RULE_GROUPS });

  test("given a release name without 'loki', then the chart's names, the push URL and the query URL follow <release>-loki", () => {
    expect(release).toMatchObject({ name: "logs", namespace: "observability" });
    expect(json.output.push_url.value).toBe("http://logs-loki-distributor.observability.svc.cluster.local:3100/loki/api/v1/push");
    expect(json.output.query_url.value).toBe("http://logs-loki-query-frontend.observability.svc.cluster.local:3100");
  });

  test("given another namespace, then the trust names the account the chart creates there", () => {
    const trust = policyDocument(json.resource.aws_iam_role.loki.assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals[`${ISSUER_HOST}:sub`]).toBe(`system:serviceaccount:observability:${values.serviceAccount.name}`);
  });

  test("given another release, then the rules still live under the tenant that receives logs", () => {
    expect(Object.keys(values.ruler.directories)).toEqual(["fake"]);
  });

  test("given a release name containing 'loki', then it is the chart's full name", () => {
    const other = synthLokiStack({ releaseName: "loki-prod" });
    expect(other.json.output.push_url.value).toBe("http://loki-prod-distributor.loki.svc.cluster.local:3100/loki/api/v1/push");
  });
});

describe("LokiStack refusing broken Loki settings", () => {
  test("fails on a broken rule expression, naming the rule, before anything is created", () => {
    expect(() => synthLokiStack({ ruleGroups: [{ name: "argocd", rules: [{ alert: "HighPercentageError", expr: '{namespace="argocd"} |= "error"' }] }] })).toThrow(
      /^ruleGroups\["argocd"\]\.rules\["HighPercentageError"\]\.expr must be a LogQL metric query/,
    );
  });

  test("fails on values overrides of a shared name", () => {
    expect(() => synthLokiStack({ valuesOverrides: { serviceAccount: { name: "other" } } })).toThrow(/^valuesOverrides\.serviceAccount\.name must be unset/);
  });
});
