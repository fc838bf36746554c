/**
 * Policy documents are written as `${jsonencode(...)}` of the typed document. They must mean
 * exactly what the JSON strings written before meant, so that an existing deployment sees no change.
 */
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Fn, TerraformLocal, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { policyJson, PolicyStatement } from "../../lib/core/iam-policy";
import { irsaTrust } from "../../lib/identity/trust";
import { policyDocument, resolvedPolicy, resourcesOf, synthScope, synthStack, Synthesized } from "../support/synth";
import { VARIANTS } from "../support/variants";
import BEFORE from "../fixtures/policies-before-jsonencode.json";

/**
 * The policy attributes of every variant as the previous `policyJson` wrote them (`JSON.stringify` of the
 * same typed document), captured from the commit before the change. Keyed by variant, then by
 * `<type>.<name>.<attribute>`.
 */
const POLICIES_BEFORE = BEFORE as Record<string, Record<string, string>>;

/** Where a stack holds policy documents. */
const POLICY_ATTRIBUTES: Record<string, string> = { aws_iam_role: "assume_role_policy", aws_iam_role_policy: "policy", aws_s3_bucket_policy: "policy" };

/** Every policy attribute of a stack, keyed like the fixture. */
function policiesOf(json: Synthesized): Record<string, string> {
  const policies: Record<string, string> = {};
  for (const [type, attribute] of Object.entries(POLICY_ATTRIBUTES)) {
    for (const [name, block] of resourcesOf(json, type)) policies[`${type}.${name}.${attribute}`] = block[attribute] as string;
  }
  return policies;
}

describe.each(VARIANTS.map(([description, id, props]) => [description, id, props] as const))("given %s", (variant, id, props) => {
  // A variant added after the capture that only pins the chart version holds its example stack's policies: the chart
  // version changes no policy (real/upgrade.test.ts compares every AWS resource across versions).
  const description = variant in POLICIES_BEFORE ? variant : id;
  let json: Synthesized;
  beforeAll(() => {
    json = synthStack(props, id).json;
  });

  it("then the same resources hold a policy as before", () => {
    expect(Object.keys(policiesOf(json)).sort()).toEqual(Object.keys(POLICIES_BEFORE[description]).sort());
  });

  it("then each policy is one jsonencode expression, with no JSON string left", () => {
    for (const policy of Object.values(policiesOf(json))) expect(policy).toMatch(/^\$\{jsonencode\(\{.*\}\)\}$/s);
  });

  it("then each policy, read with its references unresolved, is the document written before", () => {
    for (const [where, policy] of Object.entries(policiesOf(json))) {
      expect([where, policyDocument(policy)]).toEqual([where, JSON.parse(POLICIES_BEFORE[description][where])]);
    }
  });

  it("then each policy, with every reference resolved, is the document AWS received before", () => {
    for (const [where, policy] of Object.entries(policiesOf(json))) {
      expect([where, resolvedPolicy(policy, json)]).toEqual([where, resolvedPolicy(POLICIES_BEFORE[description][where], json)]);
    }
  });
});

describe("given a statement with a reference in a condition key (the IRSA trust)", () => {
  const synth = (statements: (scope: Construct) => PolicyStatement[]): Synthesized => {
    const json = JSON.parse(
      synthScope((scope) => {
        new TerraformOutput(scope, "policy", { value: policyJson(statements(scope)) });
      }),
    );
    return { resource: json.resource ?? {}, data: {}, provider: {}, output: json.output, locals: json.locals ?? {} };
  };
  const trust = (scope: Construct): PolicyStatement[] => {
    const host = new TerraformLocal(scope, "host", "oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLE");
    return irsaTrust("arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLE", host.asString, "system:serviceaccount:loki:loki");
  };

  it("when it is written then the keyed map is built with zipmap and join, since cdktf cannot write a reference into an object key", () => {
    const policy = synth(trust).output.policy.value as string;
    expect(policy).toContain('"StringEquals" = zipmap([join("", [local.host, ":sub"]), join("", [local.host, ":aud"])], ["system:serviceaccount:loki:loki", "sts.amazonaws.com"])');
  });

  it("when it is evaluated then the condition keys carry the local's value", () => {
    const json = synth(trust);
    const document = resolvedPolicy(json.output.policy.value as string, { ...json, provider: { aws: [{ region: "ap-northeast-1" }] } });
    expect(document).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "LokiServiceAccount",
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLE" },
          Action: ["sts:AssumeRoleWithWebIdentity"],
          Condition: {
            StringEquals: {
              "oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:loki:loki",
              "oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com",
            },
          },
        },
      ],
    });
  });

  it("when a plain object holds references only in its values then it stays an object", () => {
    const policy = synth((scope) => {
      const bucket = new S3Bucket(scope, "bucket", { bucket: "b" });
      return [{ Sid: "Tls", Effect: "Deny", Principal: "*", Action: ["s3:*"], Resource: [bucket.arn, `${bucket.arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }];
    }).output.policy.value as string;
    expect(policy).toContain('"Resource" = [aws_s3_bucket.bucket.arn, "${aws_s3_bucket.bucket.arn}/*"]');
    expect(policy).toContain('"Condition" = {"Bool" = {"aws:SecureTransport" = "false"}}');
  });
});

describe("given a policy string cdktf cannot write into an expression", () => {
  it.each([
    ["a double quote", 'arn:aws:s3:::a"b'],
    ["a backslash", "arn:aws:s3:::a\\b"],
  ])("fails with %s, naming the string", (_, resource) => {
    expect(() => policyJson([{ Sid: "Bad", Effect: "Allow", Action: ["s3:GetObject"], Resource: [resource] }])).toThrow(resource);
  });
});

describe("given Fn.jsonencode", () => {
  it("then it is what policyJson writes (the document is serialised by Terraform, once)", () => {
    const json = JSON.parse(
      synthScope((scope) => {
        new TerraformOutput(scope, "a", { value: policyJson([{ Sid: "A", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }]) });
        new TerraformOutput(scope, "b", {
          value: Fn.jsonencode({ Version: "2012-10-17", Statement: [{ Sid: "A", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] }),
        });
      }),
    );
    expect(json.output.a.value).toBe(json.output.b.value);
  });
});
