import { ConfigError } from "../core/validation";
import { FLUENT_BIT_VERSIONS, FluentBitAgentFacts, FluentBitVersion } from "./agent";
import { FLUENT_BIT_4_0_1 } from "./versions/fluent-bit-4.0.1";
import { FLUENT_BIT_5_1_1 } from "./versions/fluent-bit-5.1.1";

/** The facts of every Fluent Bit version the stack knows, by version. */
export const FLUENT_BIT_AGENTS: Readonly<Record<FluentBitVersion, FluentBitAgentFacts>> = {
  "5.1.1": FLUENT_BIT_5_1_1,
  "4.0.1": FLUENT_BIT_4_0_1,
};

/** Fluent Bit version deployed by default (the one that goes with the default Loki chart). */
export const DEFAULT_FLUENT_BIT_VERSION: FluentBitVersion = "5.1.1";

/**
 * The facts of a Fluent Bit version; one the stack does not know fails with a ConfigError that names the known ones.
 * @param setting the setting's name in messages
 */
export function fluentBitAgent(version: unknown = DEFAULT_FLUENT_BIT_VERSION, setting = "version"): FluentBitAgentFacts {
  if (typeof version !== "string" || !(FLUENT_BIT_VERSIONS as readonly string[]).includes(version)) {
    throw new ConfigError(setting, version, `one of the Fluent Bit versions the stack knows: ${FLUENT_BIT_VERSIONS.map((v) => `"${v}"`).join(" or ")}`);
  }
  return FLUENT_BIT_AGENTS[version as FluentBitVersion];
}
