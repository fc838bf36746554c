/**
 * The one way tests synthesize a LokiStack and read its Terraform JSON back.
 * Also resolves the Terraform interpolations in policy documents to the concrete ARNs AWS
 * would see, so that an IAM evaluator can judge them.
 */
import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";
import { App, TerraformElement, TerraformStack, Testing } from "cdktf";
import { Construct, Node } from "constructs";
import { LokiStack, LokiStackProps } from "../../lib";
import { pinnedAddress } from "../../lib/loki-stack";
import { Json } from "./json";
import { evaluateTemplate } from "./hcl-expression";

/**
 * A cdktf app for a test: `Testing.app()`, writing into the run's one output directory (set by Jest's globalSetup,
 * __tests__/support/outdir-setup.cjs) instead of a new temp directory per app that nothing removes.
 */
export function testApp(): App {
  return Testing.app({ outdir: process.env.LOKI_TEST_OUTDIR });
}

/** `Testing.synthScope` on a test app (see testApp): the Terraform JSON of what `fn` builds in a bare stack. */
export function synthScope(fn: (scope: Construct) => void): string {
  const stack = new TerraformStack(testApp(), "stack");
  fn(stack);
  return Testing.synth(stack);
}

/** One Terraform block, as cdktf writes it. */
export type Block = Json;

/** The synthesized Terraform JSON of one stack; blocks a stack does not have are empty. */
export interface Synthesized extends Json {
  readonly resource: Record<string, Record<string, Block>>;
  readonly data: Record<string, Record<string, Block>>;
  readonly provider: Record<string, Block[]>;
  readonly output: Record<string, Block>;
  readonly locals: Record<string, unknown>;
}

/** The account every resolved ARN lives in. */
export const ACCOUNT_ID = "111122223333";
/** Another account, for cross-account denials. */
export const OTHER_ACCOUNT_ID = "444455556666";
/** The key ID the created KMS key resolves to. */
export const CREATED_KEY_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/** The OIDC provider ID of the looked-up cluster. */
export const OIDC_ID = "EXAMPLED539D4633E53DE1B71EXAMPLE";

/** The stack's props in the shape main.ts uses for the reference environment. */
export const REFERENCE_PROPS: LokiStackProps = {
  clusterName: "loki-reference",
  region: "ap-northeast-1",
  chunksBucketName: "loki-reference-apne1-chunks",
  rulerBucketName: "loki-reference-apne1-ruler",
};

/** A bare stack that pins Terraform addresses as LokiStack does, for testing one part on its own. */
class PartStack extends TerraformStack {
  protected allocateLogicalId(element: TerraformElement | Node): string {
    return pinnedAddress(this, element) ?? super.allocateLogicalId(element);
  }
}

/**
 * Builds one part in a bare stack and returns its Terraform JSON, as `Testing.synthScope` does. A part built under
 * the construct ID the stack gives it keeps the stack's pinned addresses.
 */
export function synthPart(build: (scope: Construct) => void): string {
  const stack = new PartStack(testApp(), "stack");
  build(stack);
  return Testing.synth(stack);
}

/** Builds a LokiStack in a fresh app and returns it with its parsed Terraform JSON. */
export function synthStack(props: LokiStackProps, id = "loki-test"): { readonly stack: LokiStack; readonly json: Synthesized } {
  const stack = new LokiStack(testApp(), id, props);
  const json = JSON.parse(Testing.synth(stack)) as Json;
  // Blocks the stack does not have read as empty, but stay out of snapshots and equality checks (not enumerable).
  for (const block of ["resource", "data", "provider", "output", "locals"]) {
    if (!(block in json)) Object.defineProperty(json, block, { value: {}, enumerable: false });
  }
  return { stack, json: json as Synthesized };
}

/** Every resource of one type, as [Terraform name, block] pairs; empty when there is none. */
export function resourcesOf(json: Synthesized, type: string): [string, Block][] {
  return Object.entries(json.resource[type] ?? {});
}

/** The only resource of one type; fails loudly when there is not exactly one. */
export function onlyResource(json: Synthesized, type: string): Block {
  const all = resourcesOf(json, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0][1];
}

/** Terraform addresses (`type.name`) of every resource, sorted. */
export function addressesOf(json: Synthesized, typePattern: RegExp): string[] {
  return Object.entries(json.resource)
    .filter(([type]) => typePattern.test(type))
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
}

/**
 * The Kubernetes object of a `kubernetes_manifest`, as Terraform reads it: the stack writes the manifest as
 * `${yamldecode("<YAML>")}`, which is evaluated here. Throws on a manifest with references or another form.
 */
export function manifestObject(manifest: Block): Json {
  const value = evaluateTemplate(String(manifest.manifest), (traversal) => {
    throw new Error(`a manifest with a reference: ${traversal}`);
  });
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`a manifest that is not an object: ${String(manifest.manifest)}`);
  return value as Json;
}

/** A single nested block, whether cdktf wrote it as an object or as a one-element list. */
export function one(value: unknown): Block | undefined {
  if (Array.isArray(value)) return value[0] as Block | undefined;
  return (value ?? undefined) as Block | undefined;
}

/** A repeated nested block as a list, whatever form cdktf wrote it in. */
export function many(value: unknown): Block[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Block[];
}

/** The stack's AWS region, read from its provider block. */
export function regionOf(json: Synthesized): string {
  return json.provider.aws[0].region as string;
}

/** The Terraform name a `${aws_s3_bucket.<name>.id}`-style reference points to. */
export function referencedName(reference: unknown, type: string): string | undefined {
  const match = new RegExp(`^\\$\\{${type}\\.([A-Za-z0-9_-]+)\\.(id|bucket|arn)\\}$`).exec(String(reference));
  return match?.[1];
}

/** bcrypt's cost in hashicorp/random's `bcrypt_hash` (golang.org/x/crypto/bcrypt's DefaultCost). */
export const RANDOM_PROVIDER_BCRYPT_COST = 10;

/**
 * The password a `random_password` of the stack resolves to in tests: 32 letters and digits, as the stack asks the
 * provider for, fixed per resource name, so tests can authenticate with it.
 */
export function testPassword(resourceName: string): string {
  return `T${createHash("sha256").update(`password:${resourceName}`).digest("hex").slice(0, 31)}`;
}

const bcryptCache = new Map<string, string>();
/** The bcrypt hash of a password, as the random provider's `bcrypt_hash` (cost 10), once per password per process. */
export function testBcryptHash(password: string): string {
  let hash = bcryptCache.get(password);
  if (hash === undefined) {
    hash = bcrypt.hashSync(password, RANDOM_PROVIDER_BCRYPT_COST);
    bcryptCache.set(password, hash);
  }
  return hash;
}

/**
 * The credentials Secret a tenant names (`credentials.secretName`), as the Kubernetes API would return its data in
 * tests: a fixed password per lookup and its bcrypt hash, base64 as in a Secret's `data`.
 */
export function testNamedSecretData(lookupName: string): { readonly password: string; readonly passwordHash: string } {
  const password = testPassword(`secret:${lookupName}`);
  return { password: Buffer.from(password).toString("base64"), passwordHash: Buffer.from(testBcryptHash(password)).toString("base64") };
}

/**
 * Resolves one Terraform reference to the value AWS would hold after apply:
 * bucket ARNs from the synthesized bucket names, a fixed account, key and OIDC provider, and Kubernetes objects' names.
 * Throws on anything it does not know, so an unexpected reference fails the test instead of passing it.
 */
function resolveExpression(expression: string, json: Synthesized): string {
  const region = regionOf(json);
  const issuerHost = `oidc.eks.${region}.amazonaws.com/id/${OIDC_ID}`;
  let match = /^local\.([\w-]+)$/.exec(expression);
  if (match) {
    const local = json.locals[match[1]];
    if (typeof local !== "string") throw new Error(`no string local.${match[1]} in the stack`);
    return resolveString(local, json);
  }
  match = /^aws_s3_bucket\.([\w-]+)\.(arn|id|bucket)$/.exec(expression);
  if (match) {
    const bucket = json.resource.aws_s3_bucket?.[match[1]]?.bucket as string | undefined;
    if (bucket === undefined) throw new Error(`no aws_s3_bucket.${match[1]} in the stack`);
    return match[2] === "arn" ? `arn:aws:s3:::${bucket}` : bucket;
  }
  match = /^aws_kms_key\.([\w-]+)\.arn$/.exec(expression);
  if (match) {
    if (json.resource.aws_kms_key?.[match[1]] === undefined) throw new Error(`no aws_kms_key.${match[1]} in the stack`);
    return `arn:aws:kms:${region}:${ACCOUNT_ID}:key/${CREATED_KEY_ID}`;
  }
  match = /^aws_iam_role\.([\w-]+)\.arn$/.exec(expression);
  if (match) {
    const role = json.resource.aws_iam_role?.[match[1]];
    if (role === undefined) throw new Error(`no aws_iam_role.${match[1]} in the stack`);
    return `arn:aws:iam::${ACCOUNT_ID}:role/${role.name ?? `${role.name_prefix}20250101000000000000000001`}`;
  }
  if (/^(data\.)?aws_iam_openid_connect_provider\.[\w-]+\.arn$/.test(expression)) {
    return `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${issuerHost}`;
  }
  if (/^data\.aws_eks_cluster\.[\w-]+\.identity\[0\]\.oidc\[0\]\.issuer$/.test(expression)) {
    return `https://${issuerHost}`;
  }
  match = /^(kubernetes_[a-z0-9_]+)\.([\w-]+)\.metadata\[0\]\.name$/.exec(expression);
  if (match) {
    const name = one(json.resource[match[1]]?.[match[2]]?.metadata)?.name;
    if (typeof name !== "string") throw new Error(`no ${match[1]}.${match[2]} with a name in the stack`);
    return resolveString(name, json);
  }
  match = /^random_password\.([\w-]+)\.(result|bcrypt_hash)$/.exec(expression);
  if (match) {
    if (json.resource.random_password?.[match[1]] === undefined) throw new Error(`no random_password.${match[1]} in the stack`);
    const password = testPassword(match[1]);
    return match[2] === "result" ? password : testBcryptHash(password);
  }
  match = /^data\.kubernetes_resources\.([\w-]+)\.objects\[0\]\.data\.(password|passwordHash)$/.exec(expression);
  if (match) {
    if (json.data.kubernetes_resources?.[match[1]]?.kind !== "Secret") throw new Error(`no Secret lookup data.kubernetes_resources.${match[1]} in the stack`);
    return testNamedSecretData(match[1])[match[2] as "password" | "passwordHash"];
  }
  throw new Error(`unresolvable Terraform reference ${expression}`);
}

/**
 * Evaluates a Terraform string template (`"...${...}..."`, including `${jsonencode(...)}` and the
 * functions inside it) with every reference resolved, as Terraform would after apply.
 */
export function resolveString(text: string, json: Synthesized): string {
  const value = evaluateTemplate(text, (reference) => resolveExpression(reference, json));
  if (typeof value !== "string") throw new Error(`expected a string from ${text}, got ${JSON.stringify(value)}`);
  return value;
}

/** Resolves every interpolation in a parsed document, keys included (IRSA condition keys carry one). */
export function resolveDeep<T>(value: T, json: Synthesized): T {
  if (typeof value === "string") return resolveString(value, json) as T;
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, json)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [resolveString(k, json), resolveDeep(v, json)])) as T;
  }
  return value;
}

/**
 * The policy document AWS receives from a synthesized policy attribute: the attribute evaluated
 * (a `${jsonencode(...)}` call, or a JSON string with interpolations) with every reference resolved
 * to concrete ARNs, then parsed.
 */
export function resolvedPolicy(policy: string, json: Synthesized): Block {
  return JSON.parse(resolveString(policy, json)) as Block;
}

/**
 * A synthesized policy attribute as a document, with each reference left as its interpolation
 * (`"${aws_s3_bucket.loki_chunks.arn}/*"`): what `JSON.parse` gave when policies were JSON strings.
 * For assertions on which resource a policy names, without resolving it.
 */
export function policyDocument(policy: string): Block {
  const text = evaluateTemplate(policy, (reference) => `\${${reference}}`);
  if (typeof text !== "string") throw new Error(`expected a policy string from ${policy}`);
  return JSON.parse(text) as Block;
}
