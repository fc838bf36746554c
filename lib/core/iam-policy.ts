/**
 * Typed IAM policy documents, serialised once with JSON.stringify.
 * cdktf tokens inside (bucket ARNs, the OIDC issuer) resolve to Terraform interpolations.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */

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

/** Builds and serialises a policy document from its statements. */
export function policyJson(statements: readonly PolicyStatement[]): string {
  const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
  return JSON.stringify(document);
}

/**
 * Something permissions can be granted to, such as a role: a resource's `grant…` method adds its statements
 * here, so the resource decides what access to itself means and the grantee needs to know nothing of it.
 */
export interface IGrantee {
  /** Adds an identity-policy statement to the grantee's policy. */
  addToPolicy(statement: PolicyStatement): void;
}
