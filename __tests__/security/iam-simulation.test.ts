/**
 * The Loki role and the bucket policies, judged by an IAM policy evaluator on the synthesized JSON
 * with every Terraform reference resolved to the concrete ARN AWS would see.
 */
import { bucketPolicyFor, rolePolicies, simulate, simulateRole, statementsOf } from "../support/iam";
import { ACCOUNT_ID, CREATED_KEY_ID, OIDC_ID, onlyResource, policyDocument, REFERENCE_PROPS, resolvedPolicy, resourcesOf, Synthesized, synthStack } from "../support/synth";

const REGION = "ap-northeast-1";
const CHUNKS = "loki-reference-apne1-chunks";
const RULER = "loki-reference-apne1-ruler";
const STRANGER = "someone-elses-bucket";
const OTHER_KEY = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/ffffffff-1111-4222-8333-444444444444`;
const GIVEN_KEY = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CREATED_KEY = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${CREATED_KEY_ID}`;

const OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];

/** Requests Loki must never be able to make, whatever bucket it owns. */
const forbiddenOnBucket = (bucket: string) => [
  ["s3:DeleteBucket", `arn:aws:s3:::${bucket}`],
  ["s3:PutBucketPolicy", `arn:aws:s3:::${bucket}`],
  ["s3:DeleteBucketPolicy", `arn:aws:s3:::${bucket}`],
  ["s3:PutBucketVersioning", `arn:aws:s3:::${bucket}`],
  ["s3:PutLifecycleConfiguration", `arn:aws:s3:::${bucket}`],
  ["s3:PutBucketPublicAccessBlock", `arn:aws:s3:::${bucket}`],
  ["s3:PutBucketAcl", `arn:aws:s3:::${bucket}`],
  ["s3:PutEncryptionConfiguration", `arn:aws:s3:::${bucket}`],
  ["s3:DeleteObjectVersion", `arn:aws:s3:::${bucket}/index/loki_index_20000/file.gz`],
  ["s3:PutObjectAcl", `arn:aws:s3:::${bucket}/fake/chunk`],
];

/** Requests to other services, which Loki never needs. */
const OTHER_SERVICES = [
  ["ec2:DescribeInstances", "*"],
  ["iam:PassRole", `arn:aws:iam::${ACCOUNT_ID}:role/admin`],
  ["iam:CreateUser", `arn:aws:iam::${ACCOUNT_ID}:user/intruder`],
  ["sts:AssumeRole", `arn:aws:iam::${ACCOUNT_ID}:role/admin`],
  ["s3:ListAllMyBuckets", "*"],
  ["s3:CreateBucket", `arn:aws:s3:::${STRANGER}`],
  ["dynamodb:Scan", `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:table/terraform-locks`],
  ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:db-AbCdEf`],
];

describe("given the reference stack (two buckets, SSE-S3, IRSA)", () => {
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack(REFERENCE_PROPS).json;
  });

  it("then the role has exactly one inline policy and no managed policy, so the evaluator sees everything it may do", () => {
    expect(rolePolicies(json)).toHaveLength(1);
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")).toEqual([]);
    expect(resourcesOf(json, "aws_iam_policy_attachment")).toEqual([]);
    expect(onlyResource(json, "aws_iam_role").managed_policy_arns).toBeUndefined();
  });

  it.each([CHUNKS, RULER])("when the role lists bucket %s then it is allowed", async (bucket) => {
    expect(await simulateRole(json, { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}` })).toBe("Allowed");
  });

  it.each(OBJECT_ACTIONS.flatMap((action) => [CHUNKS, RULER].map((bucket) => [action, bucket])))(
    "when the role calls %s on an object of %s then it is allowed",
    async (action, bucket) => {
      expect(await simulateRole(json, { action, resource: `arn:aws:s3:::${bucket}/fake/2f1e0c7a:19a2b3c4d5e:19a2b3c4d6f:abcdef12` })).toBe("Allowed");
    },
  );

  it.each([...OBJECT_ACTIONS.map((action) => [action, `arn:aws:s3:::${STRANGER}/some/object`]), ["s3:ListBucket", `arn:aws:s3:::${STRANGER}`]])(
    "when the role calls %s on another bucket (%s) then it is implicitly denied",
    async (action, resource) => {
      expect(await simulateRole(json, { action, resource })).toBe("ImplicitlyDenied");
    },
  );

  it("when the role reads a bucket whose name merely starts with a Loki bucket's name then it is denied", async () => {
    expect(await simulateRole(json, { action: "s3:GetObject", resource: `arn:aws:s3:::${CHUNKS}-backup/x` })).toBe("ImplicitlyDenied");
  });

  it.each([...forbiddenOnBucket(CHUNKS), ...forbiddenOnBucket(RULER)])(
    "when the role calls %s on %s then it is implicitly denied",
    async (action, resource) => {
      expect(await simulateRole(json, { action, resource })).toBe("ImplicitlyDenied");
    },
  );

  it.each([...OTHER_SERVICES, ["kms:Decrypt", OTHER_KEY], ["kms:GenerateDataKey", OTHER_KEY]])(
    "when the role calls %s on %s (KMS off) then it is implicitly denied",
    async (action, resource) => {
      expect(await simulateRole(json, { action, resource })).toBe("ImplicitlyDenied");
    },
  );

  it.each([
    ["s3:GetObject", `arn:aws:s3:::${CHUNKS}/fake/chunk`],
    ["s3:PutObject", `arn:aws:s3:::${RULER}/rules/fake/argocd.yaml`],
    ["s3:ListBucket", `arn:aws:s3:::${CHUNKS}`],
  ])("when the role calls %s on %s without TLS then the bucket policy explicitly denies it", async (action, resource) => {
    expect(await simulateRole(json, { action, resource, context: { "aws:SecureTransport": "false" } })).toBe("ExplicitlyDenied");
  });

  it.each([CHUNKS, RULER])("when anyone, even from another account, calls the %s bucket without TLS then the bucket policy alone denies it", async (bucket) => {
    const policy = bucketPolicyFor(json, `arn:aws:s3:::${bucket}`);
    expect(policy).toBeDefined();
    const request = {
      identityPolicies: [{ name: "admin", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } }],
      resourcePolicy: policy,
      principal: `arn:aws:iam::${ACCOUNT_ID}:role/admin`,
      resource: `arn:aws:s3:::${bucket}/any/object`,
    };
    expect(await simulate({ ...request, action: "s3:GetObject", context: { "aws:SecureTransport": "false" } })).toBe("ExplicitlyDenied");
    expect(await simulate({ ...request, action: "s3:PutObject", context: { "aws:SecureTransport": "false" } })).toBe("ExplicitlyDenied");
    expect(await simulate({ ...request, action: "s3:GetObject", context: { "aws:SecureTransport": "true" } })).toBe("Allowed");
  });
});

describe("given SSE-KMS with a key the stack creates", () => {
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack({ ...REFERENCE_PROPS, encryption: "SSE-KMS" }).json;
  });

  it.each(["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"])("when the role calls %s on the bucket key then it is allowed", async (action) => {
    expect(await simulateRole(json, { action, resource: CREATED_KEY })).toBe("Allowed");
  });

  it.each(["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"])("when the role calls %s on another key then it is implicitly denied", async (action) => {
    expect(await simulateRole(json, { action, resource: OTHER_KEY })).toBe("ImplicitlyDenied");
  });

  it.each(["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:CreateGrant", "kms:ReEncryptFrom"])(
    "when the role calls %s on the bucket key then it is implicitly denied",
    async (action) => {
      expect(await simulateRole(json, { action, resource: CREATED_KEY })).toBe("ImplicitlyDenied");
    },
  );

  it("when the role reads and writes its objects then S3 access is unchanged by KMS", async () => {
    expect(await simulateRole(json, { action: "s3:PutObject", resource: `arn:aws:s3:::${CHUNKS}/fake/chunk` })).toBe("Allowed");
    expect(await simulateRole(json, { action: "s3:GetObject", resource: `arn:aws:s3:::${STRANGER}/x` })).toBe("ImplicitlyDenied");
  });
});

describe("given SSE-KMS with an existing key", () => {
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack({ ...REFERENCE_PROPS, kmsKeyArn: GIVEN_KEY }).json;
  });

  it("then the role may use that key and no other", async () => {
    expect(await simulateRole(json, { action: "kms:Decrypt", resource: GIVEN_KEY })).toBe("Allowed");
    expect(await simulateRole(json, { action: "kms:GenerateDataKey", resource: GIVEN_KEY })).toBe("Allowed");
    expect(await simulateRole(json, { action: "kms:Decrypt", resource: OTHER_KEY })).toBe("ImplicitlyDenied");
  });
});

describe("given a single shared bucket", () => {
  const SHARED = "loki-reference-apne1-logs";
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack({ clusterName: "loki-reference", region: REGION, chunksBucketName: SHARED, singleBucket: true }).json;
  });

  it("when the role lists and reads, writes and deletes objects of the shared bucket then it is allowed", async () => {
    expect(await simulateRole(json, { action: "s3:ListBucket", resource: `arn:aws:s3:::${SHARED}` })).toBe("Allowed");
    for (const action of OBJECT_ACTIONS) {
      expect(await simulateRole(json, { action, resource: `arn:aws:s3:::${SHARED}/rules/fake/argocd.yaml` })).toBe("Allowed");
    }
  });

  it.each([...forbiddenOnBucket(SHARED), ...OTHER_SERVICES, ["s3:GetObject", `arn:aws:s3:::${STRANGER}/x`], ["kms:Decrypt", OTHER_KEY]])(
    "when the role calls %s on %s then it is implicitly denied",
    async (action, resource) => {
      expect(await simulateRole(json, { action, resource })).toBe("ImplicitlyDenied");
    },
  );

  it("when the role calls the shared bucket without TLS then it is explicitly denied", async () => {
    expect(await simulateRole(json, { action: "s3:GetObject", resource: `arn:aws:s3:::${SHARED}/x`, context: { "aws:SecureTransport": "false" } })).toBe(
      "ExplicitlyDenied",
    );
  });
});

describe("given IRSA, the trust the evaluator cannot judge (OIDC sub and aud), asserted on its structure", () => {
  const issuerHost = `oidc.eks.${REGION}.amazonaws.com/id/${OIDC_ID}`;

  it.each([
    ["the defaults", {}, "system:serviceaccount:loki:loki"],
    ["a custom namespace and service account", { namespace: "observability", serviceAccountName: "loki-sa" }, "system:serviceaccount:observability:loki-sa"],
  ])("when the stack uses %s then only that service account, with an STS audience, may assume the role", (_, extra, subject) => {
    const json = synthStack({ ...REFERENCE_PROPS, ...extra }).json;
    const trust = resolvedPolicy(onlyResource(json, "aws_iam_role").assume_role_policy as string, json);
    expect(statementsOf(trust)).toEqual([
      {
        Sid: "LokiServiceAccount",
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${issuerHost}` },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: { StringEquals: { [`${issuerHost}:sub`]: subject, [`${issuerHost}:aud`]: "sts.amazonaws.com" } },
      },
    ]);
  });

  it("when the trust is read unresolved then the Federated principal is the looked-up OIDC provider of the same cluster as the condition keys", () => {
    const json = synthStack(REFERENCE_PROPS).json;
    const trust = policyDocument(onlyResource(json, "aws_iam_role").assume_role_policy as string);
    const [provider] = Object.keys(json.data.aws_iam_openid_connect_provider);
    const [cluster] = Object.keys(json.data.aws_eks_cluster);
    expect(trust.Statement[0].Principal.Federated).toBe(`\${data.aws_iam_openid_connect_provider.${provider}.arn}`);
    expect(json.data.aws_iam_openid_connect_provider[provider].url).toBe(`\${data.aws_eks_cluster.${cluster}.identity[0].oidc[0].issuer}`);
    expect(Object.keys(trust.Statement[0].Condition.StringEquals).sort()).toEqual(["${local.loki_oidc_issuer_host}:aud", "${local.loki_oidc_issuer_host}:sub"]);
    expect(json.locals.loki_oidc_issuer_host).toBe(`\${replace(data.aws_eks_cluster.${cluster}.identity[0].oidc[0].issuer, "https://", "")}`);
  });
});
