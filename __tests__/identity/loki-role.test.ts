import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Testing } from "cdktf";
import { EksCluster } from "../../lib/identity/eks-cluster";
import { LokiRole } from "../../lib/identity/loki-role";
import { deriveNames } from "../../lib/names";
import { LokiStackProps, resolveSettings } from "../../lib/settings";
import { LogBuckets } from "../../lib/storage/log-buckets";
import { policyDocument } from "../support/synth";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ISSUER_HOST = "${local.loki_oidc_issuer_host}";

function synth(props: Partial<LokiStackProps> = {}): { json: Json; synthesized: string; role: LokiRole } {
  const settings = resolveSettings({ clusterName: "prod-eks", ...props }, "test");
  if (settings.storage.mode !== "s3") throw new Error("expected S3 storage");
  const storage = settings.storage;
  let role!: LokiRole;
  const synthesized = Testing.synthScope((scope) => {
    const cluster = new EksCluster(scope, "Cluster", { clusterName: settings.clusterName });
    const buckets = new LogBuckets(scope, "LogBuckets", { storage });
    role = new LokiRole(scope, "LokiRole", {
      cluster,
      names: deriveNames(settings),
      buckets,
      mode: storage.identity,
      createOidcProvider: storage.createOidcProvider,
    });
  });
  return { json: JSON.parse(synthesized), synthesized, role };
}

describe("LokiRole with IRSA (default)", () => {
  const { json, synthesized, role } = synth();
  const trust = policyDocument(json.resource.aws_iam_role.loki.assume_role_policy);

  test("matches the snapshot", () => {
    expect(synthesized).toMatchSnapshot();
  });

  test("given defaults, then the role sits at the pinned address aws_iam_role.loki", () => {
    expect(Object.keys(json.resource.aws_iam_role)).toEqual(["loki"]);
    expect(role.roleArn).toBeDefined();
  });

  test("given defaults, then the existing OIDC provider is looked up by the cluster's issuer", () => {
    expect(synthesized).toHaveDataSourceWithProperties(DataAwsIamOpenidConnectProvider, {
      url: "${data.aws_eks_cluster.Cluster_EB0386A7.identity[0].oidc[0].issuer}",
    });
    expect(synthesized).not.toHaveResource(IamOpenidConnectProvider);
  });

  test("given defaults, then the issuer host local strips the scheme from the cluster's issuer", () => {
    expect(json.locals).toEqual({ loki_oidc_issuer_host: '${replace(data.aws_eks_cluster.Cluster_EB0386A7.identity[0].oidc[0].issuer, "https://", "")}' });
  });

  test("given defaults, then only the loki/loki service account with an STS audience may assume the role", () => {
    expect(trust.Statement).toEqual([
      {
        Sid: "LokiServiceAccount",
        Effect: "Allow",
        Principal: { Federated: "${data.aws_iam_openid_connect_provider.LokiRole_OidcProvider_C3A575B9.arn}" },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: {
            [`${ISSUER_HOST}:sub`]: "system:serviceaccount:loki:loki",
            [`${ISSUER_HOST}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ]);
  });

  test("given defaults, then the permissions are list on the buckets and object read/write inside them", () => {
    const policy = policyDocument(json.resource.aws_iam_role_policy[Object.keys(json.resource.aws_iam_role_policy)[0]].policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "ListLokiBuckets",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: ["${aws_s3_bucket.loki_chunks.arn}", "${aws_s3_bucket.loki_ruler.arn}"],
      },
      {
        Sid: "ReadWriteLokiObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: ["${aws_s3_bucket.loki_chunks.arn}/*", "${aws_s3_bucket.loki_ruler.arn}/*"],
      },
    ]);
    expect(synthesized).toHaveResourceWithProperties(IamRolePolicy, { role: "${aws_iam_role.loki.id}" });
  });

  test("given IRSA, then the service account is annotated with the role ARN", () => {
    expect(role.serviceAccountAnnotations).toEqual({ "eks.amazonaws.com/role-arn": role.roleArn });
    expect(role.oidcProviderArn).toBeDefined();
  });
});

describe("LokiRole options", () => {
  test("given createOidcProvider, then the provider is created for the STS audience and the trust names it", () => {
    const { json, synthesized } = synth({ createOidcProvider: true });
    expect(synthesized).toHaveResourceWithProperties(IamOpenidConnectProvider, {
      url: "${data.aws_eks_cluster.Cluster_EB0386A7.identity[0].oidc[0].issuer}",
      client_id_list: ["sts.amazonaws.com"],
    });
    expect(synthesized).not.toHaveDataSource(DataAwsIamOpenidConnectProvider);
    const trust = policyDocument(json.resource.aws_iam_role.loki.assume_role_policy);
    expect(trust.Statement[0].Principal.Federated).toBe("${aws_iam_openid_connect_provider.LokiRole_OidcProvider_C3A575B9.arn}");
  });

  test("given another namespace and service account, then the trust's sub follows them", () => {
    const { json } = synth({ namespace: "observability", serviceAccountName: "loki-sa" });
    const trust = policyDocument(json.resource.aws_iam_role.loki.assume_role_policy);
    expect(trust.Statement[0].Condition.StringEquals[`${ISSUER_HOST}:sub`]).toBe("system:serviceaccount:observability:loki-sa");
  });

  test("given SSE-KMS, then the KMS actions are granted on that key only", () => {
    const { json } = synth({ encryption: "SSE-KMS" });
    const policy = policyDocument(json.resource.aws_iam_role_policy[Object.keys(json.resource.aws_iam_role_policy)[0]].policy);
    expect(policy.Statement[2]).toEqual({
      Sid: "UseLokiBucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: ["${aws_kms_key.loki_logs.arn}"],
    });
  });
});
