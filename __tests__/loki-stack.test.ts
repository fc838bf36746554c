import { parse } from "yaml";
import { ENVIRONMENTS } from "../environments";
import { Json } from "./support/json";
import { policyDocument, synthStack } from "./support/synth";

/** The one resource of a type. */
function only(json: Json, type: string): Json {
  const all = Object.values(json.resource[type] ?? {}) as Json[];
  expect(all).toHaveLength(1);
  return all[0];
}

/** The Loki helm_release (a MinIO stack on chart 18.11.0 has a MinIO release too). */
const lokiRelease = (json: Json): Json => json.resource.helm_release.loki;

/** The Loki chart values, parsed back out of the helm_release. */
const lokiValues = (json: Json): Json => parse(lokiRelease(json).values[0]);

/** The Fluent Bit config, parsed back out of its ConfigMap. */
function fluentBitConfig(json: Json): Json {
  const maps = Object.values(json.resource.kubernetes_config_map_v1) as Json[];
  const config = maps.find((m) => m.data?.["fluent-bit.yaml"]);
  return parse(config?.data["fluent-bit.yaml"]);
}

/** The Grafana data source, parsed back out of its ConfigMap. */
function grafanaDatasource(json: Json): Json {
  const maps = Object.values(json.resource.kubernetes_config_map_v1) as Json[];
  const ds = maps.find((m) => m.metadata?.[0]?.labels?.grafana_datasource === "1" || m.metadata?.labels?.grafana_datasource === "1");
  const [file] = Object.values(ds?.data ?? {}) as string[];
  return parse(file).datasources[0];
}

const EXAMPLES = Object.fromEntries(Object.entries(ENVIRONMENTS).map(([id, props]) => [id, synthStack(props, id)]));

describe.each(Object.keys(ENVIRONMENTS))("example stack %s", (id) => {
  const { json } = EXAMPLES[id];

  test("matches the snapshot", () => {
    expect(json).toMatchSnapshot();
  });

  test("given no backend setting, then state is local with a relative path", () => {
    expect(json.terraform.backend).toEqual({ local: { path: `terraform.${id}.tfstate` } });
  });

  test("given the EKS API, then both Kubernetes providers authenticate with aws eks get-token per call", () => {
    const clusterName = ENVIRONMENTS[id].clusterName;
    const exec = {
      api_version: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", clusterName, "--region", "ap-northeast-1"],
    };
    expect(json.provider.kubernetes[0].exec).toEqual([exec]);
    expect(json.provider.helm[0].kubernetes.exec).toEqual(exec);
    expect(json.provider.kubernetes[0].host).toBe("${data.aws_eks_cluster.Cluster_EB0386A7.endpoint}");
    expect(json.provider.helm[0].kubernetes.cluster_ca_certificate).toBe(
      "${base64decode(data.aws_eks_cluster.Cluster_EB0386A7.certificate_authority[0].data)}",
    );
    expect(json.data.aws_eks_cluster.Cluster_EB0386A7.name).toBe(clusterName);
  });

  test("given the default tags, then the AWS provider tags every resource", () => {
    expect(json.provider.aws[0]).toEqual({
      region: "ap-northeast-1",
      default_tags: [{ tags: { "app.kubernetes.io/part-of": "loki", "managed-by": "cdktf" } }],
    });
  });

  test("every output has a description", () => {
    for (const [name, output] of Object.entries((json.output ?? {}) as Json)) {
      expect([name, typeof output.description]).toEqual([name, "string"]);
    }
  });
});

describe.each(Object.keys(ENVIRONMENTS))("example stack %s wiring", (id) => {
  const { json, stack } = EXAMPLES[id];
  const values = lokiValues(json);
  const loki = fluentBitConfig(json).pipeline.outputs.find((o: Json) => o.name === "loki");

  test("given the release name and namespace, then Fluent Bit pushes to the distributor Service the chart creates", () => {
    const release = lokiRelease(json);
    expect(release.name).toBe("loki");
    expect(release.namespace).toBe("loki");
    expect(`${loki.host}:${loki.port}${loki.uri}`).toBe("loki-distributor.loki.svc.cluster.local:3100/loki/api/v1/push");
    expect(json.output.push_url.value).toBe(`http://${loki.host}:${loki.port}${loki.uri}`);
  });

  test("given auth off, then Fluent Bit sends no tenant and the rules live under the tenant that receives logs", () => {
    expect(values.loki.auth_enabled).toBe(false);
    expect(loki.tenant_id).toBeUndefined();
    expect(Object.keys(values.ruler.directories)).toEqual(["fake"]);
    expect(Object.keys(values.ruler.directories.fake)).toEqual(["argocd.yaml"]);
    expect(parse(values.ruler.directories.fake["argocd.yaml"]).groups[0].rules[0]).toMatchObject({
      alert: "HighPercentageError",
      expr: 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9',
      for: "1m",
      labels: { severity: "warning" },
    });
  });

  test("given the ruler, then it reads the rule ConfigMaps from local storage and alerts the reference Alertmanager", () => {
    expect(values.loki.structuredConfig.ruler.storage).toEqual({ type: "local", local: { directory: "/etc/loki/rules" } });
    expect(values.loki.rulerConfig).toMatchObject({
      alertmanager_url: "http://prometheus-alertmanager.prometheus.svc.cluster.local:9093",
      enable_api: true,
    });
    expect(values.loki.rulerConfig.storage).toBeUndefined();
  });

  test("given the chart's service account, then its name is the one the stack derived", () => {
    expect(values.serviceAccount).toMatchObject({ create: true, name: stack.names.serviceAccountName });
    expect(stack.names.serviceAccountName).toBe("loki");
  });

  test("given Grafana wiring, then the data source queries the release's gateway (which also routes the ruler API), without a tenant header", () => {
    const ds = grafanaDatasource(json);
    expect(ds.url).toBe("http://loki-gateway.loki.svc.cluster.local:80");
    expect(ds.jsonData?.manageAlerts).toBe(true);
    expect(ds.jsonData?.httpHeaderName1).toBeUndefined();
  });
});

describe("example stack loki-minio", () => {
  const { json } = EXAMPLES["loki-minio"];

  test("given MinIO on the default chart, then a MinIO release of its own holds the data, the chart's bundled MinIO stays off, and Loki's values name nothing of AWS", () => {
    const values = lokiValues(json);
    expect(values.minio.enabled).toBe(false);
    expect(values).not.toHaveProperty("ignoreMinioDeprecation");
    expect(json.resource.helm_release.loki_minio_store).toMatchObject({ chart: "minio", version: "5.4.0", namespace: "loki" });
    expect(values.loki.storage.s3.endpoint).toBe("loki-minio-store.loki.svc.cluster.local:9000");
    expect(values.serviceAccount.annotations ?? {}).toEqual({});
  });

  test("given MinIO, then no S3, KMS or IAM resource and no OIDC lookup exist", () => {
    const types = Object.keys(json.resource);
    expect(types.filter((t) => /^aws_/.test(t))).toEqual([]);
    expect(Object.keys(json.data).filter((t) => /^aws_/.test(t))).toEqual(["aws_eks_cluster"]);
    expect(Object.keys(json.output ?? {})).not.toContain("loki_role_arn");
  });
});

describe("example stack loki-s3", () => {
  const { json } = EXAMPLES["loki-s3"];

  test("given the reference settings, then the buckets and the role exist at their pinned addresses", () => {
    expect(Object.keys(json.resource.aws_s3_bucket).sort()).toEqual(["loki_chunks", "loki_ruler"]);
    expect(json.resource.aws_s3_bucket.loki_chunks.bucket).toBe("loki-reference-apne1-chunks");
    expect(json.resource.aws_s3_bucket.loki_ruler.bucket).toBe("loki-reference-apne1-ruler");
    expect(Object.keys(json.resource.aws_iam_role)).toEqual(["loki"]);
  });

  test("given IRSA, then the trust names exactly the chart's service account loki/loki with the STS audience", () => {
    const trust = policyDocument(json.resource.aws_iam_role.loki.assume_role_policy);
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0].Action).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: {
        "${local.loki_oidc_issuer_host}:sub": "system:serviceaccount:loki:loki",
        "${local.loki_oidc_issuer_host}:aud": "sts.amazonaws.com",
      },
    });
  });

  test("given IRSA, then the role ARN lands in the top-level service-account annotation and the trust names that account", () => {
    const values = lokiValues(json);
    expect(values.serviceAccount.annotations).toEqual({ "eks.amazonaws.com/role-arn": "${aws_iam_role.loki.arn}" });
    expect(values.loki.serviceAccount).toBeUndefined();
    const trust = policyDocument(json.resource.aws_iam_role.loki.assume_role_policy);
    const sub = trust.Statement[0].Condition.StringEquals["${local.loki_oidc_issuer_host}:sub"];
    expect(sub).toBe(`system:serviceaccount:${lokiRelease(json).namespace}:${values.serviceAccount.name}`);
  });

  test("given S3, then Loki's storage names the stack's buckets and region, with no endpoint or keys", () => {
    const { storage, ...rest } = lokiValues(json).loki;
    expect(storage).toEqual({
      type: "s3",
      bucketNames: { chunks: "${aws_s3_bucket.loki_chunks.bucket}", ruler: "${aws_s3_bucket.loki_ruler.bucket}" },
      s3: { region: "ap-northeast-1" },
    });
    expect(rest.schemaConfig.configs[0]).toMatchObject({ store: "tsdb", object_store: "s3", schema: "v13" });
    expect(lokiValues(json).minio.enabled).toBe(false);
  });

  test("given S3, then no IAM statement in the stack carries a wildcard action or resource", () => {
    const documents = [
      json.resource.aws_iam_role.loki.assume_role_policy,
      ...Object.values(json.resource.aws_iam_role_policy as Json).map((p) => p.policy),
    ].map((d: string) => policyDocument(d));
    const statements = documents.flatMap((d) => d.Statement);
    expect(statements.length).toBeGreaterThan(2);
    for (const s of statements) {
      for (const action of s.Action) expect(action).not.toMatch(/\*/);
      for (const resource of s.Resource ?? []) expect(resource).not.toBe("*");
    }
  });

  test("given S3, then the outputs name the buckets, the role and the OIDC provider", () => {
    expect(json.output).toMatchObject({
      chunks_bucket_name: { value: "${aws_s3_bucket.loki_chunks.bucket}" },
      chunks_bucket_arn: { value: "${aws_s3_bucket.loki_chunks.arn}" },
      ruler_bucket_name: { value: "${aws_s3_bucket.loki_ruler.bucket}" },
      ruler_bucket_arn: { value: "${aws_s3_bucket.loki_ruler.arn}" },
      loki_role_arn: { value: "${aws_iam_role.loki.arn}" },
      oidc_provider_arn: { value: "${data.aws_iam_openid_connect_provider.LokiRole_OidcProvider_C3A575B9.arn}" },
    });
  });
});

describe("LokiStack options", () => {
  test("given another release, namespace and tenant, then the push URL, the trust, the rules and the agent move together", () => {
    const { json } = synthStack({
      ...ENVIRONMENTS["loki-s3"],
      releaseName: "logs",
      namespace: "observability",
      tenant: "platform",
    });
    const values = lokiValues(json);
    const loki = fluentBitConfig(json).pipeline.outputs.find((o: Json) => o.name === "loki");
    expect(json.output.push_url.value).toBe("http://logs-loki-distributor.observability.svc.cluster.local:3100/loki/api/v1/push");
    expect(loki.host).toBe("logs-loki-distributor.observability.svc.cluster.local");
    expect(loki.tenant_id).toBe("platform");
    expect(values.loki.auth_enabled).toBe(true);
    expect(Object.keys(values.ruler.directories)).toEqual(["platform"]);
    const trust = policyDocument(json.resource.aws_iam_role.loki.assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals["${local.loki_oidc_issuer_host}:sub"]).toBe("system:serviceaccount:observability:loki");
    expect(only(json, "helm_release")).toMatchObject({ name: "logs", namespace: "observability" });
    const ds = grafanaDatasource(json);
    expect(ds.url).toBe("http://logs-loki-gateway.observability.svc.cluster.local:80");
    expect(ds.jsonData.httpHeaderName1).toBe("X-Scope-OrgID");
    expect(ds.secureJsonData.httpHeaderValue1).toBe("platform");
  });

  test("given a kubeconfig, then both providers use it and MinIO needs nothing from AWS", () => {
    const { json } = synthStack({ clusterName: "kind", storage: "minio", kubeconfig: { path: "~/.kube/config", context: "kind-loki" } });
    expect(json.provider.kubernetes[0]).toEqual({ config_path: "~/.kube/config", config_context: "kind-loki" });
    expect(json.provider.helm[0].kubernetes).toEqual({ config_path: "~/.kube/config", config_context: "kind-loki" });
    expect(json.data?.aws_eks_cluster).toBeUndefined();
  });
});
