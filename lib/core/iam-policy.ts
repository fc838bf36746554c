/**
 * Typed IAM policy documents, serialised once by Terraform's jsonencode.
 * cdktf tokens inside (bucket ARNs, the OIDC issuer) stay Terraform references, so the attribute
 * is one expression that `cdktf synth` writes as valid Terraform JSON and `cdktf synth --hcl` as valid HCL.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 * @see https://developer.hashicorp.com/terraform/language/functions/jsonencode
 */
import { Fn, Token, Tokenization } from "cdktf";

/** Condition block: operator, then key, then one value or several. */
export type PolicyConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** The principal of a resource or trust policy statement. */
export type PolicyPrincipal =
  | { readonly AWS: string | readonly string[] }
  | { readonly Service: string | readonly string[] }
  | { readonly Federated: string }
  | "*";

/** One statement. Actions and resources are always explicit lists. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: PolicyPrincipal;
  readonly Action: readonly string[];
  readonly Resource?: readonly string[];
  readonly Condition?: PolicyConditions;
}

/** A whole policy document. */
export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/**
 * Builds and serialises a policy document from its statements: `${jsonencode({...})}`.
 * An embedded double quote or backslash is refused: cdktf writes string literals into the
 * expression without escaping them, which would break both outputs.
 */
export function policyJson(statements: readonly PolicyStatement[]): string {
  const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
  return Fn.jsonencode(expressible(document));
}

/**
 * The document as cdktf can write it into a Terraform expression. cdktf cannot write a reference
 * inside an object key (the IRSA condition keys `<issuer host>:sub`): the key loses its braces and
 * its value becomes `undefined`. An object with such a key is built with `zipmap(keys, values)`
 * instead, which Terraform evaluates to the same map.
 */
function expressible(value: unknown): unknown {
  if (typeof value === "string") {
    if (/["\\]/.test(value)) throw new Error(`policy strings cannot contain a double quote or a backslash (got ${value})`);
    return value;
  }
  if (Array.isArray(value)) return value.map(expressible);
  if (value === null || typeof value !== "object" || Tokenization.isResolvable(value)) return value;
  const entries = Object.entries(value).map(([key, v]) => [expressible(key) as string, expressible(v)] as const);
  if (entries.some(([key]) => Token.isUnresolved(key))) {
    return Fn.zipmap(
      entries.map(([key]) => (Token.isUnresolved(key) ? Fn.join("", pieces(key)) : key)),
      entries.map(([, v]) => v),
    );
  }
  return Object.fromEntries(entries);
}

/**
 * A string that holds references, as its literal text and its references in order
 * (`"${issuerHost}:sub"` gives the issuer host's token and `":sub"`). Inside a nested function
 * call cdktf warns about (but renders) a string that mixes the two; joined pieces render quietly.
 */
function pieces(text: string): string[] {
  const fragments = Tokenization.reverseString(text);
  if (fragments.length < 2) return [text];
  return fragments.join({ join: (left: string | string[], right: string) => [...(Array.isArray(left) ? left : [left]), right] });
}

/**
 * Something permissions can be granted to, such as a role: a resource's `grant…` method adds its statements
 * here, so the resource decides what access to itself means and the grantee needs to know nothing of it.
 */
export interface IGrantee {
  /** Adds an identity-policy statement to the grantee's policy. */
  addToPolicy(statement: PolicyStatement): void;
}
