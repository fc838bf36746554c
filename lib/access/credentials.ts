import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { Password } from "@cdktf/provider-random/lib/password";
import { Fn, ref, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import type { ResolvedTenant } from "./tenants";

/** The README section on tenants' credentials, which the checks' messages point to. */
export const CREDENTIALS_README_SECTION = "README.md#rotating-a-tenants-credentials";
/** Length of a generated password: letters and digits only, so it reads the same in YAML, env and HTTP. */
export const GENERATED_PASSWORD_LENGTH = 32;
/** The keys a credentials Secret you name must hold. */
export const SECRET_KEYS = { password: "password", passwordHash: "passwordHash" } as const;

/** One tenant's credentials, as the readers and the gateway get them: Terraform expressions, resolved at apply. */
export interface TenantSecret {
  /** The password (sensitive): what the agents, Grafana and the canary send. */
  readonly password: string;
  /** Its bcrypt hash: what the gateway checks. A salted hash is not a secret worth hiding, so the values stay readable in `cdktf diff`. */
  readonly passwordHash: string;
}

/** A Terraform precondition: an HCL boolean expression (in `${}`) and the message when it is false. */
export interface AccessPrecondition {
  readonly condition: string;
  readonly errorMessage: string;
}

/** A bcrypt hash as htpasswd and nginx read it: `$2a$`, `$2b$` or `$2y$`, a two-digit cost, 53 characters of salt and hash. */
export const BCRYPT_HASH = "^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$";

/**
 * The plan-time check of a credentials Secret you name: it exists, its `password` is set and its `passwordHash` is a
 * bcrypt hash. Pure: `objects` is an HCL expression that yields the Secrets the lookup found (null or an empty list when
 * none), so a test can evaluate the very same text with `terraform console`.
 */
export function namedSecretCheck(objects: string, tenant: string, secretName: string, secretNamespace: string): AccessPrecondition {
  const found = `[for o in flatten([${objects}]) : o if o != null]`;
  const value = (key: string) => `base64decode(${found}[0].data.${key})`;
  return {
    condition:
      `\${length(${found}) == 1 && ` +
      `try(length(${value(SECRET_KEYS.password)}) > 0, false) && ` +
      `try(length(regexall(${JSON.stringify(BCRYPT_HASH)}, ${value(SECRET_KEYS.passwordHash)})) == 1, false)}`,
    errorMessage:
      `tenants.${tenant}.credentials names the Secret ${secretNamespace}/${secretName}, which does not exist or does not hold "${SECRET_KEYS.password}" and a bcrypt "${SECRET_KEYS.passwordHash}" ` +
      `(htpasswd -nbBC10 "" "$PASSWORD" | cut -d: -f2). Create it before you deploy: the gateway, the agents, Grafana and the canary read the tenant's credentials from it. See ${CREDENTIALS_README_SECTION}.`,
  };
}

/** Properties of the tenants' credentials. */
export interface TenantCredentialsProps {
  /** Every tenant, resolved (resolveTenants). */
  readonly tenants: readonly ResolvedTenant[];
}

/**
 * Each tenant's credentials: a generated password (`random_password`, letters and digits, with the bcrypt hash the
 * provider keeps beside it), or a Secret you name, read at plan time and checked before anything changes. Construct IDs
 * below this one are the tenants' names: a tenant's password survives adding and removing other tenants.
 * @see https://registry.terraform.io/providers/hashicorp/random/3.7.2/docs/resources/password
 */
export class TenantCredentials extends Construct {
  /** Each tenant's password and hash, by tenant. */
  public readonly secrets: Readonly<Record<string, TenantSecret>>;
  /** The checks of the Secrets you named, for the Loki release's preconditions. */
  public readonly preconditions: readonly AccessPrecondition[];

  constructor(scope: Construct, id: string, props: TenantCredentialsProps) {
    super(scope, id);
    const secrets: Record<string, TenantSecret> = {};
    const preconditions: AccessPrecondition[] = [];
    for (const tenant of props.tenants) {
      const scoped = new Construct(this, tenant.name);
      const { credentials } = tenant;
      if (credentials.kind === "generated") {
        const password = new Password(scoped, "Password", {
          length: GENERATED_PASSWORD_LENGTH,
          special: false,
          // A new rotation value is a new password: every reader gets it in the same apply.
          keepers: { rotation: credentials.rotation },
        });
        secrets[tenant.name] = { password: password.result, passwordHash: Token.asString(Fn.nonsensitive(password.bcryptHash)) };
      } else {
        const lookup = new DataKubernetesResources(scoped, "Secret", {
          apiVersion: "v1",
          kind: "Secret",
          namespace: credentials.secretNamespace,
          fieldSelector: `metadata.name=${credentials.secretName}`,
        });
        // The address as text, indexed as Terraform reads it: the lookup's first (only) Secret.
        const objects = `data.${DataKubernetesResources.tfResourceType}.${lookup.friendlyUniqueId}.objects`;
        const data = (key: string) => Token.asString(ref(`${objects}[0].data.${key}`, TerraformStack.of(this)));
        secrets[tenant.name] = {
          // Read from the API unmarked: marked sensitive here, so no plan prints it.
          password: Token.asString(Fn.sensitive(Fn.base64decode(data(SECRET_KEYS.password)))),
          passwordHash: Fn.base64decode(data(SECRET_KEYS.passwordHash)),
        };
        // The condition is one HCL expression, which a token inside would split: the address goes in as text.
        preconditions.push(namedSecretCheck(objects, tenant.name, credentials.secretName, credentials.secretNamespace));
      }
    }
    this.secrets = secrets;
    this.preconditions = preconditions;
  }
}
