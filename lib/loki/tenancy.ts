import { isPlainObject } from "../core/deep-merge";
import { check, ConfigError } from "../core/validation";
import { rulerRulesDirName } from "./chart";
import type { RuleGroup } from "./rules/rules";
import type { LokiLimits } from "./sizing";

/** The tenant Loki uses for every request when auth is off. */
export const SINGLE_TENANT = "fake";

/** What one tenant of several has of its own in Loki: retention, limits and rules. */
export interface LokiTenantProps {
  /** How long the tenant's logs are kept: whole days written in hours (a per-tenant override). @default the stack's retentionPeriod */
  readonly retentionPeriod?: string;
  /** The tenant's limits over the global ones, in `loki.runtimeConfig` (reloaded without a restart). @default the global limits */
  readonly limits?: LokiLimits;
  /** The tenant's alerting and recording rules, in its own rule directory. @default [] */
  readonly ruleGroups?: readonly RuleGroup[];
}

/** Multi-tenancy as the user states it. */
export interface TenancyProps {
  /** Turn on multi-tenancy; requires a tenant. @default true when a tenant (or tenants) is set, else false */
  readonly authEnabled?: boolean;
  /**
   * The tenant that ships logs and owns the rules; setting one turns auth on. With `tenants`, the one of them that the
   * canary writes under and the top-level `ruleGroups` belong to. @default "fake" with auth off
   */
  readonly tenant?: string;
  /** Several tenants, each with its own retention, limits and rules; `tenant` must be one of them. @default none: one tenant */
  readonly tenants?: Readonly<Record<string, LokiTenantProps>>;
}

/** Multi-tenancy, decided once: read by the Loki values, the rules, the agents and the data source. */
export interface Tenancy {
  /** Whether Loki requires the X-Scope-OrgID header. */
  readonly authEnabled: boolean;
  /** The tenant that receives logs and owns the rules ("fake" with auth off); with several, the canary's and the top-level rules'. */
  readonly tenant: string;
  /** Every tenant that receives logs, sorted: `tenant` alone, or each of several. */
  readonly tenants: readonly string[];
}

/**
 * The one rule for a tenant ID. Loki itself takes up to 150 characters of a wider set, but the chart mounts the
 * tenant's rule files as the pod volume `rules-<tenant>` (rulerRulesDirName), which must be a DNS-1123 label:
 * so letters, digits, "_" and "-", ending in a letter or digit, at most 57 characters.
 * @see https://grafana.com/docs/loki/latest/operations/multi-tenancy/
 */
const TENANT_ID = /^[A-Za-z0-9_-]{0,56}[A-Za-z0-9]$/;

/** Refuses a tenant the chart cannot mount rules for, with the one tenant message. */
export function checkTenant(setting: string, tenant: string): void {
  if (typeof tenant !== "string" || !TENANT_ID.test(tenant)) {
    throw new ConfigError(
      setting,
      tenant,
      'a tenant of letters, digits, "_" and "-" that ends in a letter or digit, at most 57 characters',
      `the chart mounts the tenant's rules as the volume "${rulerRulesDirName(String(tenant))}", which must be a DNS-1123 label`,
    );
  }
}

/**
 * Applies the defaults to the tenancy props and checks them: a tenant turns auth on, auth needs a tenant,
 * and a tenant with auth off is refused, since Loki would store every line under "fake". Several tenants need auth,
 * and `tenant` must be one of them; two tenants may not share a rule volume.
 * @param prefix prepended to setting names in messages (such as "" for the stack's own props)
 */
export function resolveTenancy(props: TenancyProps, prefix = ""): Tenancy {
  if (props.tenants !== undefined) return resolveTenants(props, prefix);
  const authEnabled = props.authEnabled ?? props.tenant !== undefined;
  if (props.tenant !== undefined) {
    checkTenant(`${prefix}tenant`, props.tenant);
    check(
      authEnabled,
      `${prefix}tenant`,
      props.tenant,
      `unset while authEnabled is false`,
      `with auth off Loki stores every log under tenant "${SINGLE_TENANT}", so rules and agents under "${props.tenant}" would never see a line; drop tenant or set authEnabled: true`,
    );
  }
  if (authEnabled) {
    check(props.tenant !== undefined, `${prefix}tenant`, props.tenant, "set when authEnabled is true", "every push, query and rule directory needs the tenant");
  }
  const tenant = authEnabled ? (props.tenant as string) : SINGLE_TENANT;
  return { authEnabled, tenant, tenants: [tenant] };
}

/** Several tenants: auth on, each a tenant ID the chart can mount rules for, on distinct volumes, `tenant` among them. */
function resolveTenants(props: TenancyProps, prefix: string): Tenancy {
  const tenants = props.tenants as Readonly<Record<string, LokiTenantProps>>;
  check(isPlainObject(tenants) && Object.keys(tenants).length > 0, `${prefix}tenants`, tenants, "a map of tenant ID to its settings");
  check(
    props.authEnabled !== false,
    `${prefix}authEnabled`,
    props.authEnabled,
    "true (or unset) with tenants",
    `with auth off Loki stores every line under tenant "${SINGLE_TENANT}", so every tenant would read every other tenant's logs`,
  );
  const names = Object.keys(tenants).sort();
  const volumes = new Map<string, string>();
  for (const name of names) {
    checkTenant(`${prefix}tenants.${name}`, name);
    const volume = rulerRulesDirName(name);
    const other = volumes.get(volume);
    check(other === undefined, `${prefix}tenants.${name}`, name, `a tenant whose rule volume is not tenant "${other}"'s ("${volume}")`, "the chart lowercases the tenant and turns \"_\" into \"-\" when it names the volume");
    volumes.set(volume, name);
  }
  check(
    typeof props.tenant === "string" && names.includes(props.tenant),
    `${prefix}tenant`,
    props.tenant,
    `one of the tenants (${names.map((n) => `"${n}"`).join(", ")})`,
    "it names the tenant the canary writes under and the top-level ruleGroups belong to",
  );
  return { authEnabled: true, tenant: props.tenant as string, tenants: names };
}

/**
 * Basic auth at the gateway, one user per tenant: the gateway sets X-Scope-OrgID from the authenticated user, never
 * from a header the client sent. Plain data from the stack's access part: Terraform expressions, resolved at apply.
 */
export interface GatewayAuth {
  /** Each tenant's bcrypt password hash, by tenant: what the gateway checks (`loki.tenants[].passwordHash`). */
  readonly passwordHashes: Readonly<Record<string, string>>;
  /** The password of `tenant`, which the canary pushes and queries as (sensitive: passed with `set_sensitive`). */
  readonly canaryPassword: string;
}
