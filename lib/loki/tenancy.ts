import { check, ConfigError } from "../core/validation";
import { rulerRulesDirName } from "./chart";

/** The tenant Loki uses for every request when auth is off. */
export const SINGLE_TENANT = "fake";

/** Multi-tenancy as the user states it. */
export interface TenancyProps {
  /** Turn on multi-tenancy; requires a tenant. @default true when a tenant is set, else false */
  readonly authEnabled?: boolean;
  /** The tenant that ships logs and owns the rules; setting one turns auth on. @default "fake" with auth off */
  readonly tenant?: string;
}

/** Multi-tenancy, decided once: read by the Loki values, the rules, the agents and the data source. */
export interface Tenancy {
  /** Whether Loki requires the X-Scope-OrgID header. */
  readonly authEnabled: boolean;
  /** The tenant that receives logs and owns the rules ("fake" with auth off). */
  readonly tenant: string;
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
 * and a tenant with auth off is refused, since Loki would store every line under "fake".
 * @param prefix prepended to setting names in messages (such as "" for the stack's own props)
 */
export function resolveTenancy(props: TenancyProps, prefix = ""): Tenancy {
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
  return { authEnabled, tenant: authEnabled ? (props.tenant as string) : SINGLE_TENANT };
}
