/**
 * The stacks the end-to-end tests run, each synthesized and rendered once per test file, with the Loki and Fluent Bit
 * of its own chart version (versionPrograms).
 */
import { ENVIRONMENTS } from "../../../environments";
import { LokiStackProps } from "../../../lib";
import { DEFAULT_CHART_VERSION } from "../../../lib/loki/chart";
import { programPath } from "../programs";
import { Rendered, renderLoki } from "../render";
import { RealStack, realStack } from "../stacks";
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
    lokiBin: programPath(programs.loki),
    fluentBitBin: programPath(programs.fluentBit),
  };
}
