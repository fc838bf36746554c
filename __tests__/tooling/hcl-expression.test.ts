/**
 * The evaluator the IAM simulation and policy checks read policies with (__tests__/support/hcl-expression.ts):
 * it must agree with Terraform, and refuse what it does not understand rather than guess.
 */
import { evaluateTemplate, Value } from "../support/hcl-expression";
import { REFERENCE_PROPS, resolveString, synthStack } from "../support/synth";

const REFERENCES: Record<string, Value> = {
  "aws_s3_bucket.b.arn": "arn:aws:s3:::b",
  "local.host": "oidc.example/id/A",
  "data.x.y.list[0].attr": "first",
};
const evaluate = (template: string): Value =>
  evaluateTemplate(template, (reference) => {
    if (!(reference in REFERENCES)) throw new Error(`unknown ${reference}`);
    return REFERENCES[reference];
  });

describe("given the reference stack's trust policy", () => {
  it("when it is evaluated then it is byte for byte what Terraform 1.11.4's jsonencode printed for it (terraform console)", () => {
    const json = synthStack(REFERENCE_PROPS).json;
    // Captured with `terraform console`, the references replaced by locals holding the same resolved values.
    const terraform =
      '{"Statement":[{"Action":["sts:AssumeRoleWithWebIdentity"],"Condition":{"StringEquals":{"oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud":"sts.amazonaws.com","oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub":"system:serviceaccount:loki:loki"}},"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-northeast-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},"Sid":"LokiServiceAccount"}],"Version":"2012-10-17"}';
    expect(resolveString(json.resource.aws_iam_role.loki.assume_role_policy as string, json)).toBe(terraform);
  });
});

describe("given Terraform templates", () => {
  it.each<[string, Value]>([
    ["plain text", "plain text"],
    ["${aws_s3_bucket.b.arn}", "arn:aws:s3:::b"],
    ["${aws_s3_bucket.b.arn}/*", "arn:aws:s3:::b/*"],
    ["$${literal} %%{literal}", "${literal} %{literal}"],
    ['${jsonencode({"b" = [aws_s3_bucket.b.arn, "${aws_s3_bucket.b.arn}/*"], "a" = true})}', '{"a":true,"b":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}'],
    ['${jsonencode(zipmap([join("", [local.host, ":sub"])], ["x"]))}', '{"oidc.example/id/A:sub":"x"}'],
    ['${jsonencode({("${local.host}:aud") = 1, "${local.host}:sub" = null, plain = "q\\"\\\\"})}', '{"oidc.example/id/A:aud":1,"oidc.example/id/A:sub":null,"plain":"q\\"\\\\"}'],
    ['${replace(data.x.y.list[0].attr, "fi", "")}', "rst"],
    ['{"Resource":["${aws_s3_bucket.b.arn}"]}', '{"Resource":["arn:aws:s3:::b"]}'],
  ])("when %s is evaluated then it gives %j", (template, expected) => {
    expect(evaluate(template)).toEqual(expected);
  });

  it.each([
    ["an operator", "${1 + 2}"],
    ["a conditional", '${true ? "a" : "b"}'],
    ["an unknown function", "${upper(local.host)}"],
    ["an unknown reference", "${aws_s3_bucket.c.arn}"],
    ["a template directive", "%{ if true }x%{ endif }"],
    ["a splat", "${data.x.y.list[*].attr}"],
    ["a duplicate key", '${jsonencode({"a" = 1, "a" = 2})}'],
    ["a regular expression in replace", '${replace(local.host, "/o/", "")}'],
    ["an unterminated interpolation", "${local.host"],
  ])("fails on %s", (_, template) => {
    expect(() => evaluate(template)).toThrow();
  });
});
