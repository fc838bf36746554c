/**
 * Runs the synthesized IAM policies through an IAM policy evaluator, the way AWS would judge a request.
 * @see https://github.com/cloud-copilot/iam-simulate
 */
import { EvaluationResult, runSimulation } from "@cloud-copilot/iam-simulate";
import { ACCOUNT_ID, Block, many, referencedName, resolvedPolicy, resourcesOf, Synthesized } from "./synth";

/** One request to judge. */
export interface Request {
  /** IAM action, such as `s3:GetObject`. */
  readonly action: string;
  /** Concrete resource ARN, or `*` for actions without a resource. */
  readonly resource: string;
  /** Request context, such as `{ "aws:SecureTransport": "true" }`. @default TLS on */
  readonly context?: Record<string, string | string[]>;
  /** Principal making the request. @default a session of the Loki role */
  readonly principal?: string;
}

/** Terraform name of the Loki role, pinned by the data-loss suite. */
export const ROLE_NAME = "loki";

/** The Loki role's inline policies, resolved to concrete ARNs. */
export function rolePolicies(json: Synthesized): { name: string; policy: Block }[] {
  return resourcesOf(json, "aws_iam_role_policy")
    .filter(([, p]) => p.role === `\${aws_iam_role.${ROLE_NAME}.id}` || p.role === `\${aws_iam_role.${ROLE_NAME}.name}`)
    .map(([name, p]) => ({ name, policy: resolvedPolicy(p.policy as string, json) }));
}

/** The resolved bucket policy of the bucket a resource ARN belongs to, if the stack has one. */
export function bucketPolicyFor(json: Synthesized, resourceArn: string): Block | undefined {
  const match = /^arn:aws:s3:::([^/]+)/.exec(resourceArn);
  if (!match) return undefined;
  const bucketName = match[1];
  const bucketId = resourcesOf(json, "aws_s3_bucket").find(([, b]) => b.bucket === bucketName)?.[0];
  if (bucketId === undefined) return undefined;
  const policy = resourcesOf(json, "aws_s3_bucket_policy").find(([, p]) => referencedName(p.bucket, "aws_s3_bucket") === bucketId)?.[1];
  return policy ? resolvedPolicy(policy.policy as string, json) : undefined;
}

/**
 * The key policy AWS gives a key created without one: the account may use IAM policies to grant the key.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
export const DEFAULT_KEY_POLICY: Block = {
  Version: "2012-10-17",
  Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" }],
};

/**
 * The resource policy AWS consults for a request: the bucket's policy for S3; for a KMS key the stack
 * creates, its `policy` or else the default key policy (an existing key is assumed to keep the default).
 */
export function resourcePolicyFor(json: Synthesized, resourceArn: string): Block | undefined {
  if (resourceArn.startsWith("arn:aws:s3:::")) return bucketPolicyFor(json, resourceArn);
  if (/^arn:aws:kms:/.test(resourceArn)) {
    const created = resourcesOf(json, "aws_kms_key").map(([, key]) => key.policy as string | undefined);
    const policy = created.find((p) => p !== undefined);
    return policy !== undefined ? resolvedPolicy(policy, json) : DEFAULT_KEY_POLICY;
  }
  return undefined;
}

/** The ARN of the Loki role as the resolver names it. */
export function roleSessionArn(json: Synthesized): string {
  const role = json.resource.aws_iam_role[ROLE_NAME];
  const roleName = role.name ?? `${role.name_prefix}20250101000000000000000001`;
  return `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/loki`;
}

/**
 * Judges a request by the Loki role against its inline policies and the target's resource policy (bucket or key).
 * Throws when the evaluator rejects its input, so a malformed policy never reads as a denial.
 */
export async function simulateRole(json: Synthesized, request: Request): Promise<EvaluationResult> {
  return simulate({
    identityPolicies: rolePolicies(json),
    resourcePolicy: resourcePolicyFor(json, request.resource),
    principal: request.principal ?? roleSessionArn(json),
    action: request.action,
    resource: request.resource,
    context: request.context ?? { "aws:SecureTransport": "true" },
  });
}

/** Judges any request against explicit policies. */
export async function simulate(input: {
  identityPolicies: { name: string; policy: Block }[];
  resourcePolicy?: Block;
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}): Promise<EvaluationResult> {
  const result = await runSimulation(
    {
      identityPolicies: input.identityPolicies,
      resourcePolicy: input.resourcePolicy,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: input.principal,
        action: input.action,
        resource: { resource: input.resource, accountId: ACCOUNT_ID },
        contextVariables: input.context,
      },
    },
    {},
  );
  if (result.resultType === "error") throw new Error(`the IAM evaluator rejected the request: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

/** Every statement of every policy document, flattened. */
export function statementsOf(document: Block): Block[] {
  return many(document.Statement);
}
