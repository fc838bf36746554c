/**
 * Both ways Loki gets AWS credentials: IRSA (the default) and EKS Pod Identity (opt-in).
 * Each must name the same namespace and service account the chart really uses, and nothing of the other mode.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html
 */
import { ENVIRONMENTS } from "../../environments";
import { LokiStackProps } from "../../lib";
import { lokiValuesOf } from "../support/checks";
import { simulate } from "../support/iam";
import { ACCOUNT_ID, Block, onlyResource, policyDocument, resolvedPolicy, resourcesOf, Synthesized, synthStack } from "../support/synth";

const S3 = ENVIRONMENTS["loki-s3"];
const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";

/** Trust statements of the Loki role, unresolved. */
const trustOf = (json: Synthesized): Block[] => policyDocument(onlyResource(json, "aws_iam_role").assume_role_policy as string).Statement;
/** The Loki release's namespace and the service account its values create. */
const releaseOf = (json: Synthesized) => {
  const release = onlyResource(json, "helm_release");
  const values = lokiValuesOf(json);
  return { namespace: release.namespace as string, serviceAccount: values.serviceAccount as Block };
};

describe.each<[string, Partial<LokiStackProps>, string, string]>([
  ["the defaults", {}, "loki", "loki"],
  ["a custom namespace and service account", { namespace: "observability", serviceAccountName: "loki-logs" }, "observability", "loki-logs"],
])("given IRSA (the default) with %s", (_, extra, namespace, serviceAccount) => {
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack({ ...S3, ...extra }, "loki-s3").json;
  });

  it("then the cluster's existing OIDC provider is looked up by its issuer, and none is created", () => {
    const [[, provider]] = Object.entries(json.data.aws_iam_openid_connect_provider);
    const [cluster] = Object.keys(json.data.aws_eks_cluster);
    expect(provider.url).toBe(`\${data.aws_eks_cluster.${cluster}.identity[0].oidc[0].issuer}`);
    expect(resourcesOf(json, "aws_iam_openid_connect_provider")).toEqual([]);
  });

  it("then the trust names that provider and the exact service account the chart creates", () => {
    const [provider] = Object.keys(json.data.aws_iam_openid_connect_provider);
    const [statement] = trustOf(json);
    expect(trustOf(json)).toHaveLength(1);
    expect(statement.Principal).toEqual({ Federated: `\${data.aws_iam_openid_connect_provider.${provider}.arn}` });
    expect(statement.Action).toEqual(["sts:AssumeRoleWithWebIdentity"]);
    expect(statement.Condition).toEqual({
      StringEquals: {
        "${local.loki_oidc_issuer_host}:sub": `system:serviceaccount:${namespace}:${serviceAccount}`,
        "${local.loki_oidc_issuer_host}:aud": "sts.amazonaws.com",
      },
    });
    expect(releaseOf(json)).toEqual({ namespace, serviceAccount: expect.objectContaining({ create: true, name: serviceAccount }) });
  });

  it("then the chart's service account carries the role ARN annotation (top-level serviceAccount, not loki.serviceAccount)", () => {
    const values = lokiValuesOf(json);
    expect(values.serviceAccount.annotations).toEqual({ [ROLE_ARN_ANNOTATION]: "${aws_iam_role.loki.arn}" });
    expect(values.loki.serviceAccount).toBeUndefined();
  });

  it("then no pod identity association exists", () => {
    expect(resourcesOf(json, "aws_eks_pod_identity_association")).toEqual([]);
  });

  it("then S3 is reached through the web identity: no endpoint, no access keys, no path-style override", () => {
    const s3 = lokiValuesOf(json).loki.storage.s3;
    expect(Object.keys(s3).filter((k) => /endpoint|accessKey|secretAccessKey|s3ForcePathStyle/i.test(k))).toEqual([]);
  });
});

describe("given IRSA with createOidcProvider", () => {
  it("then the stack creates the OIDC provider for the cluster's issuer with the STS audience, and the trust names it", () => {
    const json = synthStack({ ...S3, createOidcProvider: true }, "loki-s3").json;
    const [[name, provider]] = resourcesOf(json, "aws_iam_openid_connect_provider");
    const [cluster] = Object.keys(json.data.aws_eks_cluster);
    expect(provider.url).toBe(`\${data.aws_eks_cluster.${cluster}.identity[0].oidc[0].issuer}`);
    expect(provider.client_id_list).toEqual(["sts.amazonaws.com"]);
    expect(json.data.aws_iam_openid_connect_provider).toBeUndefined();
    expect(trustOf(json)[0].Principal).toEqual({ Federated: `\${aws_iam_openid_connect_provider.${name}.arn}` });
    expect(json.output.oidc_provider_arn.value).toBe(`\${aws_iam_openid_connect_provider.${name}.arn}`);
  });
});

describe.each<[string, Partial<LokiStackProps>, string, string]>([
  ["the defaults", {}, "loki", "loki"],
  ["a custom namespace and service account", { namespace: "observability", serviceAccountName: "loki-logs" }, "observability", "loki-logs"],
])("given EKS Pod Identity with %s", (_, extra, namespace, serviceAccount) => {
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack({ ...S3, ...extra, identity: "pod-identity" }, "loki-s3").json;
  });

  it("then a pod identity association binds the role to the chart's namespace and service account on the cluster, with session tags on", () => {
    expect(onlyResource(json, "aws_eks_pod_identity_association")).toEqual(
      expect.objectContaining({
        cluster_name: "loki-reference",
        namespace,
        service_account: serviceAccount,
        role_arn: "${aws_iam_role.loki.arn}",
        disable_session_tags: false,
      }),
    );
    expect(releaseOf(json)).toEqual({ namespace, serviceAccount: expect.objectContaining({ create: true, name: serviceAccount }) });
  });

  it("then the role trusts pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession, scoped by the session tags to that cluster, namespace and service account", () => {
    expect(trustOf(json)).toEqual([
      {
        Sid: "EksPodIdentity",
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": "loki-reference",
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": serviceAccount,
          },
        },
      },
    ]);
  });

  it("then no OIDC provider is looked up or created, and no issuer host is derived", () => {
    expect(json.data.aws_iam_openid_connect_provider).toBeUndefined();
    expect(resourcesOf(json, "aws_iam_openid_connect_provider")).toEqual([]);
    expect(json.locals.loki_oidc_issuer_host).toBeUndefined();
    expect(json.output.oidc_provider_arn).toBeUndefined();
  });

  it("then the chart's service account carries no role ARN annotation", () => {
    const values = lokiValuesOf(json);
    expect(values.serviceAccount.annotations ?? {}).not.toHaveProperty([ROLE_ARN_ANNOTATION]);
    expect(JSON.stringify(values)).not.toContain(ROLE_ARN_ANNOTATION);
  });

  describe("when the Pod Identity agent asks STS for the role (judged by the IAM evaluator)", () => {
    const tags = (overrides: Record<string, string> = {}) => {
      const t: Record<string, string> = {
        "eks-cluster-name": "loki-reference",
        "kubernetes-namespace": namespace,
        "kubernetes-service-account": serviceAccount,
        "kubernetes-pod-name": "loki-ingester-0",
        ...overrides,
      };
      return { ...Object.fromEntries(Object.entries(t).map(([k, v]) => [`aws:RequestTag/${k}`, v])), "aws:TagKeys": Object.keys(t) };
    };
    const ask = (action: string, context: Record<string, string | string[]>, principal = "pods.eks.amazonaws.com") => {
      const trust = resolvedPolicy(onlyResource(json, "aws_iam_role").assume_role_policy as string, json);
      const role = onlyResource(json, "aws_iam_role");
      return simulate({
        identityPolicies: [],
        resourcePolicy: trust,
        principal,
        action,
        resource: `arn:aws:iam::${ACCOUNT_ID}:role/${role.name_prefix}20250101000000000000000001`,
        context,
      });
    };

    it("then it may assume the role and tag the session for Loki's pods", async () => {
      expect(await ask("sts:AssumeRole", tags())).toBe("Allowed");
      expect(await ask("sts:TagSession", tags())).toBe("Allowed");
    });

    it.each([
      ["another namespace", { "kubernetes-namespace": "default" }],
      ["another service account", { "kubernetes-service-account": "default" }],
      ["another cluster", { "eks-cluster-name": "someone-elses-cluster" }],
    ])("fails for a pod in %s", async (_, overrides) => {
      expect(await ask("sts:AssumeRole", tags(overrides))).toBe("ImplicitlyDenied");
    });

    it("fails without session tags, and for any other service or web identity", async () => {
      expect(await ask("sts:AssumeRole", {})).toBe("ImplicitlyDenied");
      expect(await ask("sts:AssumeRole", tags(), "ec2.amazonaws.com")).toBe("ImplicitlyDenied");
      expect(await ask("sts:AssumeRoleWithWebIdentity", tags())).toBe("ImplicitlyDenied");
    });
  });
});

describe("given both identity modes", () => {
  it("then the role's S3 permissions are the same: only how it is assumed differs", () => {
    const irsa = synthStack(S3, "loki-s3").json;
    const podIdentity = synthStack({ ...S3, identity: "pod-identity" }, "loki-s3").json;
    const policy = (json: Synthesized) => resourcesOf(json, "aws_iam_role_policy").map(([name, p]) => [name, p.policy]);
    expect(policy(podIdentity)).toEqual(policy(irsa));
    expect(onlyResource(podIdentity, "aws_iam_role").name_prefix).toBe(onlyResource(irsa, "aws_iam_role").name_prefix);
  });
});
