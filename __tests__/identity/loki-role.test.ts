import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { TerraformStack, Testing } from "cdktf";
import { IGrantee, PolicyStatement } from "../../lib/core/iam-policy";
import { EksCluster } from "../../lib/identity/eks-cluster";
import { LokiRole, LokiRoleProps } from "../../lib/identity/loki-role";
import { LogBuckets, LogBucketsProps } from "../../lib/storage/log-buckets";
import { Json } from "../support/json";
import { policyDocument, synthPart, testApp } from "../support/synth";

const ISSUER_HOST = "${local.loki_oidc_issuer_host}";
// As the stack maps its defaults: the expiration backstop is the default 31-day retention plus 30 days.
const BUCKETS: LogBucketsProps = { chunksBucketName: "prod-eks-loki-chunks", rulerBucketName: "prod-eks-loki-ruler", chunksExpirationDays: 61 };

/** The role on its own, in the stack's construct IDs, granted read and write on the buckets as the stack does. */
function synth(props: Omit<LokiRoleProps, "cluster"> = {}, buckets: LogBucketsProps = BUCKETS): { json: Json; synthesized: string; role: LokiRole } {
  let role!: LokiRole;
  const synthesized = synthPart((scope) => {
    const cluster = new EksCluster(scope, "Cluster", { clusterName: "prod-eks" });
    role = new LokiRole(scope, "LokiRole", { cluster, ...props });
    new LogBuckets(scope, "LogBuckets", buckets).grantReadWrite(role);
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
    const { json } = synth({}, { ...BUCKETS, encryption: "SSE-KMS" });
    const policy = policyDocument(json.resource.aws_iam_role_policy[Object.keys(json.resource.aws_iam_role_policy)[0]].policy);
    expect(policy.Statement[2]).toEqual({
      Sid: "UseLokiBucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: ["${aws_kms_key.loki_logs.arn}"],
    });
  });
});

describe("LokiRole grants", () => {
  test("given a grant from any resource, then the statement lands in the role's one inline policy", () => {
    const statement: PolicyStatement = { Sid: "ReadOneThing", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::acme/one"] };
    const synthesized = synthPart((scope) => {
      const role: IGrantee = new LokiRole(scope, "LokiRole", { cluster: new EksCluster(scope, "Cluster", { clusterName: "prod-eks" }) });
      role.addToPolicy(statement);
    });
    const policies = Object.values<Json>(JSON.parse(synthesized).resource.aws_iam_role_policy);
    expect(policies).toHaveLength(1);
    expect(policyDocument(policies[0].policy).Statement).toEqual([statement]);
  });

  test("fails validation when nothing was granted to the role, which would leave an empty policy", () => {
    const stack = new TerraformStack(testApp(), "stack");
    new LokiRole(stack, "LokiRole", { cluster: new EksCluster(stack, "Cluster", { clusterName: "prod-eks" }) });
    expect(() => Testing.synth(stack, true)).toThrow(/nothing was granted to the role/);
  });
});

describe("LokiRole validation", () => {
  test.each([
    [{ identity: "oidc" }, /^identity must be "irsa" or "pod-identity" \(got "oidc"\)/],
    [{ identity: "pod-identity", createOidcProvider: true }, /^createOidcProvider must be unset with identity "pod-identity"/],
    [{ namespace: "Loki" }, /^namespace must be a DNS-1123 label/],
    [{ serviceAccountName: "loki_sa" }, /^serviceAccountName must be a DNS-1123 subdomain/],
  ])("fails on its own with %j", (props, message) => {
    expect(() => synthPart((scope) => new LokiRole(scope, "LokiRole", { cluster: new EksCluster(scope, "Cluster", { clusterName: "prod-eks" }), ...(props as object) }))).toThrow(message);
  });
});
