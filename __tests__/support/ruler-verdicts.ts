/**
 * The ruler verdict corpora (__tests__/fixtures/ruler-verdicts-loki-<version>.json): rule files with the verdict the
 * real ruler of that Loki version gave each, read by the plain differential test and by the real-program suite, which
 * asks the real rulers again. The product code never reads them.
 */
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { LokiVersion } from "../../lib/loki/chart";
import { RULER_FORMATS, RuleFileProblemKind } from "../../lib/loki/rules/rulefmt";

/** One rule file and the ruler's verdict on it. */
export interface VerdictCase {
  readonly id: string;
  readonly loaded: boolean;
  /** "loaded", or the ruler's error message. */
  readonly ruler: string;
  readonly file: string;
}

/** A corpus case with the Loki version whose ruler gave the verdict. */
export interface VersionedCase extends VerdictCase {
  readonly version: LokiVersion;
}

const FIXTURES = join(__dirname, "../fixtures");

/** The corpus files, by name. */
export const CORPORA: readonly string[] = readdirSync(FIXTURES).filter((name) => /^ruler-verdicts-.*\.json$/.test(name));

/** Every case of every corpus, as [`<corpus>/<id>`, case]. */
export const VERDICT_CASES: readonly (readonly [string, VersionedCase])[] = CORPORA.flatMap((name) => {
  const version = /^ruler-verdicts-loki-(\d+\.\d+\.\d+)\.json$/.exec(name)?.[1] as LokiVersion;
  if (!(version in RULER_FORMATS)) throw new Error(`${name}: a corpus is named ruler-verdicts-loki-<a Loki version the project knows>.json`);
  const corpus = JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as { cases: VerdictCase[] };
  return corpus.cases.map((c) => [`${name.replace(/\.json$/, "")}/${c.id}`, { ...c, version }] as const);
});

/**
 * The ruler's reason without what its rules API puts in front of it: `failed to list rule group for user <tenant> and
 * namespace <file>: error parsing <path>: <path>: ` (the 3.4.2 corpus stored the reason alone).
 */
export function rulerReason(message: string): string {
  return message.replace(/^failed to list rule group for user \S+ and namespace \S+: error parsing (\S+): \1: /, "").trim();
}

/** The kind of a Loki ruler message, by the message's own wording. */
export const RULER_MESSAGE_KINDS: readonly (readonly [RegExp, RuleFileProblemKind])[] = [
  [/^(annotation|label) ".*": template: /, "template"],
  [/^invalid label name: /, "label-name"],
  [/^invalid label value: /, "label-value"],
  [/^invalid annotation name: /, "annotation-name"],
  [/^invalid recording rule name: /, "record-name"],
  [/^only one of 'record' and 'alert' must be set/, "alert-and-record"],
  [/^one of 'record' or 'alert' must be set/, "no-alert-or-record"],
  [/^field 'expr' must be set in rule/, "empty-expr"],
  [/^could not parse expression/, "expr"],
  [/^invalid field '.*' in recording rule/, "recording-field"],
  [/^yaml: unmarshal errors:\n\s+line \d+: field .* not found in type rulefmt\./, "unknown-field"],
  [/^yaml: unmarshal errors:\n\s+line \d+: mapping key .* already defined/, "duplicate-key"],
  [/^yaml: unmarshal errors:\n\s+line \d+: cannot unmarshal /, "type"],
  [/duration|^not a valid duration string/, "duration"],
  [/Groupname must not be empty/, "group-name"],
  [/is repeated in the same file/, "duplicate-group"],
  [/^yaml: |^EOF$/, "yaml"],
];

/** The kind of problem a ruler message names, by its wording. */
export function rulerKind(message: string): RuleFileProblemKind | undefined {
  const reason = rulerReason(message);
  return RULER_MESSAGE_KINDS.find(([pattern]) => pattern.test(reason))?.[1];
}

