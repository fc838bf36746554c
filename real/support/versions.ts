/**
 * Which programs run a stack: each chart version the stack knows is run by the chart, the Loki and the Fluent Bit of
 * its own version.
 */
import { LokiVersion } from "../../lib/loki/chart";
import { ProgramKey } from "./programs";

/** The chart, Loki and Fluent Bit of one chart version, as program keys. */
export interface VersionPrograms {
  /** The Loki chart of that version. */
  readonly chart: ProgramKey;
  /** The Loki the chart runs (its appVersion). */
  readonly loki: ProgramKey;
  /** The Fluent Bit the stack deploys beside it. */
  readonly fluentBit: ProgramKey;
}

/** The Loki binary of each Loki version a chart runs. */
export const LOKI_PROGRAMS: Readonly<Record<LokiVersion, ProgramKey>> = {
  "3.7.6": "loki",
  "3.4.2": "loki342",
};

/** The programs of each chart version, by chart version. */
export const VERSION_PROGRAMS: Readonly<Record<string, VersionPrograms>> = {
  "18.11.0": { chart: "lokiChart", loki: LOKI_PROGRAMS["3.7.6"], fluentBit: "fluentBit" },
  "6.29.0": { chart: "lokiChart6290", loki: LOKI_PROGRAMS["3.4.2"], fluentBit: "fluentBit401" },
};

/** The programs of a chart version; throws for a version the suite has no programs for. */
export function versionPrograms(chartVersion: string): VersionPrograms {
  const programs = VERSION_PROGRAMS[chartVersion];
  if (programs === undefined) throw new Error(`the real-program suite has no programs for chart version ${chartVersion}: add it to VERSION_PROGRAMS`);
  return programs;
}
