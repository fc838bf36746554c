/**
 * The stacks the end-to-end tests run, each synthesized and rendered once per test file, with the Loki and Fluent Bit
 * of its own chart version (versionPrograms).
 */
import { ENVIRONMENTS } from "../../../environments";
import { LokiStackProps } from "../../../lib";
import { DEFAULT_CHART_VERSION } from "../../../lib/loki/chart";
import { programPath } from "../programs";
import { Rendered, renderLoki } from "../render";
import { one, resolveString } from "../../../__tests__/support/synth";
import { RealStack, realStack } from "../stacks";
import { TENANTS_PROPS } from "../variants";
import { VERSION_PROGRAMS, versionPrograms } from "../versions";

const EXAMPLES = Object.entries(ENVIRONMENTS).map(([id, props]) => [id, id, props] as const);
const EXAMPLE_VERSIONS = new Set<string>(EXAMPLES.map(([, , props]) => props.chartVersion ?? DEFAULT_CHART_VERSION));

/**
 * [description, stack id, props]: every example stack, the reference stack with a tenant (auth on), and the reference
 * stack on each chart version the suite has programs for that no example stack deploys, so that every version runs
 * end to end with its own Loki and Fluent Bit.
 */
export const E2E_STACKS: readonly (readonly [string, string, LokiStackProps])[] = [
  ...EXAMPLES,
  ["loki-s3 with tenant team-a", "loki-s3", { ...ENVIRONMENTS["loki-s3"], tenant: "team-a" }],
  ...Object.keys(VERSION_PROGRAMS)
    .filter((version) => !EXAMPLE_VERSIONS.has(version))
    .map((version) => [`loki-s3 on chart ${version}`, "loki-s3", { ...ENVIRONMENTS["loki-s3"], chartVersion: version as LokiStackProps["chartVersion"] }] as const),
];

/**
 * [description, stack id, props]: the stacks with several tenants the gateway and the agents' tenant routing run end to
 * end, on the default chart version (6.29.0's gateway does not isolate tenants: the stack refuses them there).
 */
export const TENANT_E2E_STACKS: readonly (readonly [string, string, LokiStackProps])[] = [["loki-s3 with three teams' tenants", "loki-s3", TENANTS_PROPS]];

/** A stack as the end-to-end tests run it. */
export interface E2eStack {
  readonly description: string;
  readonly real: RealStack;
  readonly rendered: Rendered;
  /** The Fluent Bit config the stack generates. */
  readonly fluentBitConfigYaml: string;
  /** The tenant its agents write under and its rules live in ("fake" with auth off). */
  readonly tenant: string;
  /** Whether Loki requires the tenant header. */
  readonly authEnabled: boolean;
  /** Every tenant that receives logs (several with `tenants`; `tenant` is then the platform tenant). */
  readonly tenants: readonly string[];
  /** Each tenant's password as its readers get it (several tenants): the agents' credentials Secret, resolved. */
  readonly passwords: Readonly<Record<string, string>>;
  /** The Loki of the stack's chart version. */
  readonly lokiBin: string;
  /** The Fluent Bit of the stack's chart version. */
  readonly fluentBitBin: string;
}

/** Synthesizes and renders one stack, and finds the programs of its version; throws when the chart refuses it. */
export function e2eStack([description, id, props]: readonly [string, string, LokiStackProps]): E2eStack {
  const real = realStack(description, props, id);
  const rendered = renderLoki(real);
  if (rendered.status !== 0) throw new Error(`${description}: the chart refused the values:\n${rendered.stderr}`);
  if (real.fluentBitConfigYaml === undefined) throw new Error(`${description}: the stack deploys no Fluent Bit`);
  const programs = versionPrograms(real.release.version);
  return {
    description,
    real,
    rendered,
    fluentBitConfigYaml: real.fluentBitConfigYaml,
    tenant: real.stack.tenancy.tenant,
    authEnabled: real.stack.tenancy.authEnabled,
    tenants: real.stack.tenancy.tenants,
    passwords: agentPasswords(real),
    lokiBin: programPath(programs.loki),
    fluentBitBin: programPath(programs.fluentBit),
  };
}

/** The tenants' passwords the agents read: their credentials Secret's data, resolved as Terraform would write it. */
function agentPasswords(real: RealStack): Record<string, string> {
  const secret = Object.values(real.json.resource.kubernetes_secret_v1 ?? {}).find((s) => one(s.metadata)?.name === "fluent-bit-loki-credentials");
  return Object.fromEntries(Object.entries((secret?.data ?? {}) as Record<string, string>).map(([tenant, value]) => [tenant, resolveString(value, real.json)]));
}
