import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, Node as YamlNode, parseDocument, Scalar, stringify, YAMLMap, YAMLSeq } from "yaml";
import { ConfigError } from "../../core/validation";
import type { LokiVersion } from "../chart";
import { renderRuleFile } from "./alert-rules";
import { GoTemplateError, parseGoTemplate } from "./go-template";
import { analyzeLogQL, checkRuleGroups, findLogQLSyntaxError, LogQLAnalysis, matcherMatchesEmpty } from "./logql";
import { LokiRule, RuleGroup } from "./rules";

export { GO_TEMPLATE_BUILTINS, GoTemplateError, parseGoTemplate } from "./go-template";

/**
 * Rule files checked the way the ruler of the stack's Loki version loads them: its `GroupLoader` decodes the file
 * strictly (yaml.v3 with known fields only) into the `rulefmt.RuleGroups` of the Prometheus it vendors, then
 * `ValidateGroups` checks every group and rule. One refused file makes listing fail for the whole tenant: no rule of
 * that tenant runs. What differs between versions (the fields a file may hold, what the ruler keeps of them, the
 * template functions) is in RULER_FORMATS, and every check takes the Loki version.
 * @see https://github.com/grafana/loki/blob/v3.4.2/pkg/ruler/compat.go (ValidateGroups, validateRuleNode, testTemplateParsing)
 * @see https://github.com/prometheus/prometheus/blob/main/model/rulefmt/rulefmt.go (RuleGroup, RuleNode)
 */

/**
 * What Loki's ruler does with a field it decodes: `loaded` fields reach the rule store and the evaluation;
 * `ignored` fields are decoded (a bad value still refuses the file) and then dropped, because Loki's rule store
 * (`rulespb.RuleGroupDesc`, `RuleDesc`) has no place for them: the rule runs as if the field were absent.
 */
export type RulerFieldTreatment = "loaded" | "ignored";

/** The rule-file format of one Loki version's ruler. */
export interface RulerFormat {
  /** The Loki version. */
  readonly lokiVersion: LokiVersion;
  /** The Prometheus module the Loki version vendors, whose `model/rulefmt` decodes the file. */
  readonly prometheus: string;
  /** Every field a group may hold (`rulefmt.RuleGroup`), in the struct's order, and what the ruler does with it. */
  readonly groupFields: Readonly<Record<string, RulerFieldTreatment>>;
  /** Every field a rule may hold (`rulefmt.RuleNode`, or `rulefmt.Rule` from Prometheus 3), and what the ruler does with it. */
  readonly ruleFields: Readonly<Record<string, RulerFieldTreatment>>;
  /** The Go type a rule is decoded into, as yaml.v3 names it in its errors. */
  readonly ruleType: string;
  /**
   * The functions of Prometheus' alert templating (template.NewTemplateExpander), on top of Go's builtins.
   * @see https://github.com/prometheus/prometheus/blob/main/template/template.go
   */
  readonly templateFunctions: readonly string[];
}

/** Prometheus 2.55's template functions, which Loki 3.4.2 vendors. */
const PROMETHEUS_2_55_TEMPLATE_FUNCTIONS: readonly string[] = [
  "query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match", "title", "toUpper", "toLower",
  "graphLink", "tableLink", "sortByLabel", "stripPort", "stripDomain", "humanize", "humanize1024", "humanizeDuration",
  "humanizePercentage", "humanizeTimestamp", "toTime", "pathPrefix", "externalURL", "parseDuration",
];

/**
 * The rule-file format of each Loki version, as its ruler treats each field. The field lists are those of the
 * vendored `model/rulefmt/rulefmt.go`; what the ruler does with each one is the real ruler's verdict, asked field by
 * field by the real-program suite (real/ruler.test.ts): a file with the field loads, and the ruler's rules API lists
 * the field back (loaded) or leaves it out (ignored).
 * @see https://github.com/grafana/loki/blob/v3.4.2/vendor/github.com/prometheus/prometheus/model/rulefmt/rulefmt.go
 * @see https://github.com/grafana/loki/blob/v3.7.6/vendor/github.com/prometheus/prometheus/model/rulefmt/rulefmt.go
 * @see https://github.com/grafana/loki/blob/v3.4.2/pkg/ruler/rulespb/rules.proto
 */
export const RULER_FORMATS: Readonly<Record<LokiVersion, RulerFormat>> = {
  "3.4.2": {
    lokiVersion: "3.4.2",
    prometheus: "github.com/prometheus/prometheus v0.55.0 (Prometheus 2.55)",
    groupFields: { name: "loaded", interval: "loaded", query_offset: "ignored", limit: "loaded", rules: "loaded" },
    ruleFields: { record: "loaded", alert: "loaded", expr: "loaded", for: "loaded", keep_firing_for: "ignored", labels: "loaded", annotations: "loaded" },
    ruleType: "rulefmt.RuleNode",
    templateFunctions: PROMETHEUS_2_55_TEMPLATE_FUNCTIONS,
  },
  "3.7.6": {
    lokiVersion: "3.7.6",
    prometheus: "github.com/prometheus/prometheus v0.312.1-0.20260612131846-2ad3a8717015 (Prometheus 3.12)",
    // Prometheus 3 added the group's labels; Loki's rule store has no place for them either.
    groupFields: { name: "loaded", interval: "loaded", query_offset: "ignored", limit: "loaded", rules: "loaded", labels: "ignored" },
    ruleFields: { record: "loaded", alert: "loaded", expr: "loaded", for: "loaded", keep_firing_for: "ignored", labels: "loaded", annotations: "loaded" },
    ruleType: "rulefmt.Rule",
    templateFunctions: [...PROMETHEUS_2_55_TEMPLATE_FUNCTIONS, "toDuration", "now", "urlQueryEscape"],
  },
};

/** The rule-file format of a Loki version; throws for a version the project does not know. */
export function rulerFormat(lokiVersion: LokiVersion): RulerFormat {
  const format = RULER_FORMATS[lokiVersion];
  if (format === undefined) throw new Error(`no rule-file format for Loki ${String(lokiVersion)}: add it to RULER_FORMATS`);
  return format;
}

/**
 * The variables Loki's ruler declares before every label and annotation template. Unlike Prometheus,
 * Loki declares no `$externalURL` (the `externalURL` function exists).
 */
export const LOKI_RULER_TEMPLATE_VARIABLES: readonly string[] = ["$labels", "$externalLabels", "$value"];

/** The text Loki puts in front of a template before parsing it: one line, so lines stay those of the value. */
const TEMPLATE_DEFS = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$value := .Value}}";

/** What kind of mistake made the ruler refuse a file; a Loki ruler message maps to one of these. */
export type RuleFileProblemKind =
  | "yaml"
  | "duplicate-key"
  | "unknown-field"
  | "type"
  | "duration"
  | "group-name"
  | "duplicate-group"
  | "alert-and-record"
  | "no-alert-or-record"
  | "empty-expr"
  | "expr"
  | "recording-field"
  | "record-name"
  | "label-name"
  | "label-value"
  | "annotation-name"
  | "template";

/** The first reason Loki's ruler would refuse a rule file. */
export interface RuleFileProblem {
  readonly kind: RuleFileProblemKind;
  /** The message shaped as the ruler's, such as `annotation "summary": template: __alert_A:1: unclosed action`. */
  readonly rulerMessage: string;
  /** The setting at fault: `ruleGroups["argocd"].rules["HighPercentageError"].annotations.summary`. */
  readonly setting: string;
  /** The bad value. */
  readonly value: unknown;
  /** What the value must be. */
  readonly expected: string;
  /** Where, for a template or YAML error: `line 1, column 10`. */
  readonly where?: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const YAML_NULL = /^(~|null|Null|NULL|)$/;

const DURATION_UNITS: readonly (readonly [string, bigint])[] = [
  ["y", 365n * 24n * 3600n * 1000n],
  ["w", 7n * 24n * 3600n * 1000n],
  ["d", 24n * 3600n * 1000n],
  ["h", 3600n * 1000n],
  ["m", 60n * 1000n],
  ["s", 1000n],
  ["ms", 1n],
];
const MAX_DURATION_NS = 2n ** 63n - 1n;

/**
 * Parses a Prometheus duration as `model.ParseDuration` (prometheus/common) does: units y, w, d, h, m, s, ms,
 * each at most once, biggest first; `0` needs no unit.
 * @returns the duration in milliseconds, or the error message Prometheus gives
 */
export function parsePrometheusDuration(text: string): { ms: number } | { error: string } {
  if (text === "0") return { ms: 0 };
  if (text === "") return { error: "empty duration string" };
  const invalid = { error: `not a valid duration string: ${JSON.stringify(text)}` };
  let rest = text;
  let total = 0n;
  let lastUnit = -1;
  while (rest !== "") {
    const digits = /^[0-9]*/.exec(rest)?.[0] ?? "";
    if (digits === "") return invalid;
    rest = rest.slice(digits.length);
    const unit = /^[^0-9]*/.exec(rest)?.[0] ?? "";
    if (unit === "") return invalid;
    rest = rest.slice(unit.length);
    const index = DURATION_UNITS.findIndex(([name]) => name === unit);
    if (index < 0) return { error: `unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}` };
    if (index <= lastUnit) return invalid;
    lastUnit = index;
    const ns = BigInt(digits) * DURATION_UNITS[index][1] * 1_000_000n;
    total += ns;
    if (ns > MAX_DURATION_NS || total > MAX_DURATION_NS) return { error: "duration out of range" };
  }
  return { ms: Number(total / 1_000_000n) };
}

/** A problem found while decoding; thrown inside this module only. */
class Refusal extends Error {
  constructor(readonly problem: RuleFileProblem) {
    super(problem.rulerMessage);
  }
}

/** One rule as the ruler decodes it (rulefmt.RuleNode). */
interface DecodedRule {
  alert: string;
  record: string;
  expr: string;
  for: number;
  /** `for` as written, when set. */
  forText?: string;
  labels: [string, string][];
  annotations: [string, string][];
}

/** One group as the ruler decodes it (rulefmt.RuleGroup). */
interface DecodedGroup {
  name: string;
  /** `interval` as written, when set. */
  interval?: string;
  /** `limit`, when above 0 (0 and below are Prometheus' "no limit"). */
  limit?: number;
  rules: DecodedRule[];
}

/** Decodes rule-file text strictly, as yaml.v3 with KnownFields(true) decodes it into rulefmt.RuleGroups. */
class StrictDecoder {
  private readonly lines = new LineCounter();
  private doc: Document.Parsed | undefined;

  constructor(
    private readonly text: string,
    private readonly format: RulerFormat,
  ) {}

  private line(node: { range?: [number, number, number] | null } | null | undefined): number {
    return this.lines.linePos(node?.range?.[0] ?? 0).line;
  }

  private where(node: { range?: [number, number, number] | null } | null | undefined): string {
    const { line, col } = this.lines.linePos(node?.range?.[0] ?? 0);
    return `line ${line}, column ${col} of the rule file`;
  }

  private refuse(problem: RuleFileProblem): never {
    throw new Refusal(problem);
  }

  /** A yaml.v3 unmarshal error, such as `line 6: field severity not found in type rulefmt.RuleNode`. */
  private unmarshalError(kind: RuleFileProblemKind, node: YamlNode | null, message: string, setting: string, value: unknown, expected: string): never {
    this.refuse({ kind, rulerMessage: `yaml: unmarshal errors:\n  line ${this.line(node)}: ${message}`, setting, value, expected, where: this.where(node) });
  }

  decode(): DecodedGroup[] {
    const doc = parseDocument(this.text, { schema: "failsafe", lineCounter: this.lines, uniqueKeys: false });
    this.doc = doc;
    if (doc.errors.length > 0) {
      const error = doc.errors[0];
      this.refuse({
        kind: "yaml",
        rulerMessage: `yaml: ${error.message.split("\n")[0]}`,
        setting: "ruleFile",
        value: this.text,
        expected: "a YAML rule file with unique keys",
        where: error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col} of the rule file` : undefined,
      });
    }
    if (doc.contents === null) this.refuse({ kind: "yaml", rulerMessage: "EOF", setting: "ruleFile", value: this.text, expected: "a rule file with groups" });
    const root = this.resolve(doc.contents);
    if (this.isNull(root)) return [];
    const fields = this.struct(root, "rulefmt.RuleGroups", ["groups"], () => "ruleFile", "a rule file: a map with the key groups");
    const groups = this.list(fields.get("groups"), "ruleGroups", "rulefmt.RuleGroup", "a list of rule groups");
    return groups.map((node, index) => this.group(node, index));
  }

  private group(raw: YamlNode | null, index: number): DecodedGroup {
    const node = this.resolve(raw);
    const known = Object.keys(this.format.groupFields);
    const fields = this.isNull(node) ? new Map<string, YamlNode | null>() : this.struct(node, "rulefmt.RuleGroup", known, (f) => groupSetting(this.nodeValue(f.get("name")), index), "a rule group");
    const name = this.string(fields.get("name"), `ruleGroups[${index}].name`);
    const g = groupSetting(name, index);
    // Go decodes the struct's fields in their order in the struct, each from its key.
    for (const key of known) {
      if (key === "interval" || key === "query_offset") this.duration(fields.get(key), `${g}.${key}`);
      else if (key === "labels") this.stringMap(fields.get(key), `${g}.labels`);
    }
    const limit = this.integer(fields.get("limit"), `${g}.limit`);
    const rules = this.list(fields.get("rules"), `${g}.rules`, this.format.ruleType, "a list of rules").map((ruleNode, ruleIndex) => this.rule(ruleNode, `${g}.rules[${ruleIndex}]`, g));
    const interval = this.isNull(this.resolve(fields.get("interval"))) ? undefined : this.string(fields.get("interval"), `${g}.interval`);
    return { name, ...(interval !== undefined ? { interval } : {}), ...(limit !== undefined && limit > 0 ? { limit } : {}), rules };
  }

  private rule(raw: YamlNode | null, indexSetting: string, g: string): DecodedRule {
    const node = this.resolve(raw);
    const fields = this.isNull(node) ? new Map<string, YamlNode | null>() : this.struct(node, this.format.ruleType, Object.keys(this.format.ruleFields), (f) => ruleSetting(this.nodeValue(f.get("alert")) || this.nodeValue(f.get("record")), indexSetting, g), "a rule");
    const alert = this.nodeValue(fields.get("alert"));
    const record = this.nodeValue(fields.get("record"));
    const r = ruleSetting(alert || record, indexSetting, g);
    const expr = this.nodeValue(fields.get("expr"));
    const forMs = this.duration(fields.get("for"), `${r}.for`);
    this.duration(fields.get("keep_firing_for"), `${r}.keep_firing_for`);
    const labels = this.stringMap(fields.get("labels"), `${r}.labels`);
    const annotations = this.stringMap(fields.get("annotations"), `${r}.annotations`);
    const forText = this.isNull(this.resolve(fields.get("for"))) ? undefined : this.string(fields.get("for"), `${r}.for`);
    return { alert, record, expr, for: forMs, ...(forText !== undefined ? { forText } : {}), labels, annotations };
  }

  private resolve(node: YamlNode | null | undefined): YamlNode | null {
    if (node === undefined || node === null) return null;
    if (isAlias(node)) return (this.doc && (node.resolve(this.doc) as YamlNode | undefined)) ?? null;
    return node;
  }

  private isNull(node: YamlNode | null): boolean {
    return node === null || (isScalar(node) && node.type === "PLAIN" && YAML_NULL.test(String(node.value ?? "")));
  }

  /** How yaml.v3 names a node in "cannot unmarshal" errors: its tag, and a scalar's value (cut after 7 characters). */
  private tagOf(node: YamlNode): string {
    if (isMap(node)) return "!!map";
    if (isSeq(node)) return "!!seq";
    const value = isScalar(node) ? String(node.value ?? "") : "";
    const plain = isScalar(node) && node.type === "PLAIN";
    let tag = "!!str";
    if (plain && /^[-+]?(0|[1-9][0-9_]*|0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+)$/.test(value)) tag = "!!int";
    else if (plain && /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/.test(value)) tag = "!!float";
    else if (plain && /^(true|True|TRUE|false|False|FALSE)$/.test(value)) tag = "!!bool";
    return `${tag} \`${value.length > 10 ? `${value.slice(0, 7)}...` : value}\``;
  }

  /**
   * A mapping decoded into a Go struct: every key must be a field. `settingOf` names the struct in
   * messages once its fields are known (a rule by its alert or record name).
   */
  private struct(
    node: YamlNode | null,
    type: string,
    known: readonly string[],
    settingOf: (fields: ReadonlyMap<string, YamlNode | null>) => string,
    expected: string,
  ): Map<string, YamlNode | null> {
    if (!isMap(node)) this.unmarshalError("type", node, `cannot unmarshal ${this.tagOf(node as YamlNode)} into ${type}`, settingOf(new Map()), this.plain(node), expected);
    const fields = new Map<string, YamlNode | null>();
    const keys: [string, YamlNode | null][] = [];
    for (const pair of (node as YAMLMap<YamlNode, YamlNode | null>).items) {
      const key = this.resolve(pair.key);
      const name = isScalar(key) ? String(key.value ?? "") : "";
      keys.push([name, key]);
      fields.set(name, this.resolve(pair.value));
    }
    this.uniqueKeys(node as YAMLMap<YamlNode, YamlNode | null>, settingOf(fields));
    const unknown = keys.find(([name]) => !known.includes(name));
    if (unknown) {
      const [name, key] = unknown;
      const what = type === this.format.ruleType ? "a rule" : type === "rulefmt.RuleGroup" ? "a group" : "a rule file";
      this.unmarshalError(
        "unknown-field",
        key,
        `field ${name} not found in type ${type}`,
        `${settingOf(fields)}.${name}`,
        this.plain(fields.get(name) ?? null),
        `absent: in the rule files of Loki ${this.format.lokiVersion}'s ruler, ${what} takes only the keys ${known.join(", ")}`,
      );
    }
    return fields;
  }

  /** yaml.v3 refuses a key that appears twice in one mapping. */
  private uniqueKeys(map: YAMLMap<YamlNode, YamlNode | null>, setting: string): void {
    const seen = new Map<string, YamlNode | null>();
    for (const pair of map.items) {
      const key = this.resolve(pair.key);
      const name = isScalar(key) ? String(key.value ?? "") : "";
      const first = seen.get(name);
      if (first !== undefined) {
        this.unmarshalError("duplicate-key", key, `mapping key ${JSON.stringify(name)} already defined at line ${this.line(first)}`, `${setting}.${name}`, name, "a key that appears once");
      }
      seen.set(name, key);
    }
  }

  private list(node: YamlNode | null | undefined, setting: string, itemType: string, expected: string): (YamlNode | null)[] {
    const resolved = this.resolve(node);
    if (this.isNull(resolved)) return [];
    if (!isSeq(resolved)) this.unmarshalError("type", resolved, `cannot unmarshal ${this.tagOf(resolved as YamlNode)} into []${itemType}`, setting, this.plain(resolved), expected);
    return (resolved as YAMLSeq<YamlNode | null>).items.map((item) => this.resolve(item));
  }

  /** A scalar decoded into a Go string: null is "", a map or list is an error. */
  private string(node: YamlNode | null | undefined, setting: string): string {
    const resolved = this.resolve(node);
    if (this.isNull(resolved)) return "";
    if (!isScalar(resolved)) this.unmarshalError("type", resolved, `cannot unmarshal ${this.tagOf(resolved as YamlNode)} into string`, setting, this.plain(resolved), "a string");
    return String((resolved as Scalar).value ?? "");
  }

  /** A yaml.Node field (alert, record, expr): its Value, the scalar's text; "" for a map or list. */
  private nodeValue(node: YamlNode | null | undefined): string {
    const resolved = this.resolve(node);
    return isScalar(resolved) ? String(resolved.value ?? "") : "";
  }

  /** A model.Duration field: null is 0; anything else goes through parsePrometheusDuration. */
  private duration(node: YamlNode | null | undefined, setting: string): number {
    const resolved = this.resolve(node);
    if (this.isNull(resolved)) return 0;
    const text = this.string(resolved, setting);
    const parsed = parsePrometheusDuration(text);
    if ("error" in parsed) {
      this.refuse({
        kind: "duration",
        rulerMessage: parsed.error,
        setting,
        value: text,
        expected: 'a Prometheus duration such as "30s", "5m" or "1h30m" (units y, w, d, h, m, s, ms, each at most once, biggest first)',
        where: this.where(resolved),
      });
    }
    return parsed.ms;
  }

  /** An int field (limit): yaml.v3 takes integers and floats that fit. */
  private integer(node: YamlNode | null | undefined, setting: string): number | undefined {
    const resolved = this.resolve(node);
    if (this.isNull(resolved)) return undefined;
    const text = this.string(resolved, setting);
    const plain = isScalar(resolved) && resolved.type === "PLAIN";
    const int = /^[-+]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$/.test(text);
    const float = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text);
    if (!plain || !(int || float)) {
      this.unmarshalError("type", resolved, `cannot unmarshal ${this.tagOf(resolved as YamlNode)} into int`, setting, text, "a whole number");
    }
    return int ? goInteger(text) : Math.trunc(Number(text));
  }

  /** A map[string]string field (labels, annotations), in document order. */
  private stringMap(node: YamlNode | null | undefined, setting: string): [string, string][] {
    const resolved = this.resolve(node);
    if (this.isNull(resolved)) return [];
    if (!isMap(resolved)) this.unmarshalError("type", resolved, `cannot unmarshal ${this.tagOf(resolved as YamlNode)} into map[string]string`, setting, this.plain(resolved), "a map of names to strings");
    this.uniqueKeys(resolved as YAMLMap<YamlNode, YamlNode | null>, setting);
    return (resolved as YAMLMap<YamlNode, YamlNode | null>).items.map((pair) => {
      const key = this.string(pair.key, setting);
      return [key, this.string(pair.value, `${setting}.${key}`)];
    });
  }

  private plain(node: YamlNode | null): unknown {
    if (node === null) return null;
    return isScalar(node) ? node.value : node.toJSON();
  }
}

/** The value of a YAML integer as yaml.v3 reads it: decimal, or with a 0x, 0o, 0 or 0b prefix; "_" ignored. */
function goInteger(text: string): number {
  const sign = text.startsWith("-") ? -1 : 1;
  const digits = text.replace(/^[-+]/, "").replace(/_/g, "");
  if (/^0[0-7]+$/.test(digits)) return sign * parseInt(digits.slice(1), 8);
  return sign * Number(digits.replace(/^0[oO]/, "0o"));
}

/** The setting path of a group: by name when it has one. */
function groupSetting(name: string, index: number): string {
  return name !== "" ? `ruleGroups[${JSON.stringify(name)}]` : `ruleGroups[${index}]`;
}

/** The setting path of a rule: by name when it has one, else by index. */
function ruleSetting(name: string, indexSetting: string, g: string): string {
  return name !== "" ? `${g}.rules[${JSON.stringify(name)}]` : indexSetting;
}

/** Line and column of an offset in a text, 1-based. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset)).split("\n");
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** Loki's validateRuleNode: the first problem of one decoded rule, in Loki's order. */
function ruleProblem(rule: DecodedRule, g: string, groupName: string, index: number, format: RulerFormat): RuleFileProblem | undefined {
  const name = rule.alert !== "" ? rule.alert : rule.record;
  const r = name !== "" ? `${g}.rules[${JSON.stringify(name)}]` : `${g}.rules[${index}]`;
  if (rule.record !== "" && rule.alert !== "") {
    return { kind: "alert-and-record", rulerMessage: "only one of 'record' and 'alert' must be set", setting: r, value: { alert: rule.alert, record: rule.record }, expected: "either an alerting rule (alert) or a recording rule (record), not both" };
  }
  if (rule.record === "" && rule.alert === "") {
    return { kind: "no-alert-or-record", rulerMessage: "one of 'record' or 'alert' must be set", setting: r, value: undefined, expected: "a rule with a non-empty alert or record name" };
  }
  if (rule.expr === "") {
    return { kind: "empty-expr", rulerMessage: "field 'expr' must be set in rule", setting: `${r}.expr`, value: rule.expr, expected: "a LogQL metric query" };
  }
  const exprError = logqlParseError(rule.expr);
  if (exprError) {
    const what = rule.record !== "" ? `record '${rule.record}'` : `alert '${rule.alert}'`;
    return {
      kind: "expr",
      rulerMessage: `could not parse expression for ${what} in group '${groupName}': ${exprError.message}`,
      setting: `${r}.expr`,
      value: rule.expr,
      expected: exprError.expected,
      ...(exprError.where ? { where: exprError.where } : {}),
    };
  }
  if (rule.record !== "") {
    if (rule.annotations.length > 0) {
      return { kind: "recording-field", rulerMessage: "invalid field 'annotations' in recording rule", setting: `${r}.annotations`, value: Object.fromEntries(rule.annotations), expected: "absent: recording rules take no annotations" };
    }
    if (rule.for !== 0) {
      return { kind: "recording-field", rulerMessage: "invalid field 'for' in recording rule", setting: `${r}.for`, value: rule.forText, expected: "absent: recording rules take no for" };
    }
    if (!METRIC_NAME.test(rule.record)) {
      return { kind: "record-name", rulerMessage: `invalid recording rule name: ${rule.record}`, setting: `${r}.record`, value: rule.record, expected: 'a metric name of letters, digits, "_" and ":", not starting with a digit, such as "namespace:errors:rate5m"' };
    }
  }
  for (const [key, value] of rule.labels) {
    if (!LABEL_NAME.test(key) || key === "__name__") {
      return { kind: "label-name", rulerMessage: `invalid label name: ${key}`, setting: `${r}.labels`, value: key, expected: 'a label name of letters, digits and "_", not starting with a digit, and not __name__' };
    }
    if (LONE_SURROGATE.test(value)) {
      return { kind: "label-value", rulerMessage: `invalid label value: ${value}`, setting: `${r}.labels.${key}`, value, expected: "valid UTF-8 text" };
    }
  }
  for (const [key] of rule.annotations) {
    if (!LABEL_NAME.test(key)) {
      return { kind: "annotation-name", rulerMessage: `invalid annotation name: ${key}`, setting: `${r}.annotations`, value: key, expected: 'an annotation name of letters, digits and "_", not starting with a digit' };
    }
  }
  if (rule.alert === "") return undefined; // Loki expands templates of alerting rules only.
  for (const [kind, entries] of [["label", rule.labels], ["annotation", rule.annotations]] as const) {
    for (const [key, value] of entries) {
      try {
        checkAlertTemplate(rule.alert, value, format.lokiVersion);
      } catch (err) {
        if (!(err instanceof GoTemplateError)) throw err;
        return {
          kind: "template",
          rulerMessage: `${kind} ${JSON.stringify(key)}: ${err.goMessage}`,
          setting: `${r}.${kind}s.${key}`,
          value,
          expected: `a Go template that Loki ${format.lokiVersion}'s ruler parses: the template functions of ${format.prometheus.replace(/^.*\((.*)\)$/, "$1")}, the variables ${LOKI_RULER_TEMPLATE_VARIABLES.join(", ")}`,
          where: `${lineColumn(value, err.position - TEMPLATE_DEFS.length)} of the ${kind}`,
        };
      }
    }
  }
  return undefined;
}

/**
 * What Loki's `syntax.ParseExpr` refuses when the ruler loads a rule: a syntax error (found with Grafana's
 * grammar), a string or regular expression that does not compile, and a stream selector without a matcher
 * that cannot match the empty string (Loki's validateMatchers).
 */
function logqlParseError(expr: string): { message: string; expected: string; where?: string } | undefined {
  const syntaxError = findLogQLSyntaxError(expr);
  if (syntaxError) {
    const where = `line ${syntaxError.line}, column ${syntaxError.column}`;
    return { message: `parse error at line ${syntaxError.line}, col ${syntaxError.column}: syntax error`, expected: "a valid LogQL expression", where };
  }
  let analysis: LogQLAnalysis;
  try {
    analysis = analyzeLogQL(expr) as LogQLAnalysis;
  } catch (err) {
    return { message: (err as Error).message, expected: "a LogQL expression whose strings are valid Go string literals" };
  }
  for (const selector of analysis.selectors) {
    let matchesEverything: boolean;
    try {
      matchesEverything = selector.matchers.every(matcherMatchesEmpty);
    } catch (err) {
      return { message: `${selector.text}: ${(err as Error).message}`, expected: "a LogQL expression whose regular expressions compile" };
    }
    if (matchesEverything) {
      return {
        message: "queries require at least one regexp or equality matcher that does not have an empty-compatible value",
        expected: "a LogQL expression whose every stream selector has a matcher that cannot match the empty string",
        where: `position ${selector.position} (${selector.text})`,
      };
    }
  }
  return undefined;
}

/**
 * Parses a label value or annotation of the alert `alert` as the ruler of a Loki version does: with its variable
 * declarations in front, the template functions of the Prometheus it vendors, and the template name `__alert_<alert>`.
 * @throws GoTemplateError with Go's message, such as `template: __alert_A:1: unclosed action`
 */
export function checkAlertTemplate(alert: string, text: string, lokiVersion: LokiVersion): void {
  parseGoTemplate(`__alert_${alert}`, TEMPLATE_DEFS + text, { funcs: rulerFormat(lokiVersion).templateFunctions });
}

/**
 * The first reason the ruler of a Loki version would refuse a rule file, or undefined when it would load it:
 * strict YAML decoding (the fields of that version's rulefmt, wrong types, Prometheus durations), then Loki's
 * ValidateGroups (group names, alert XOR record, expression, recording-only rules, label and annotation names,
 * templates with that version's functions). LogQL is parsed with Grafana's grammar (findLogQLSyntaxError).
 */
export function findRuleFileProblem(text: string, lokiVersion: LokiVersion): RuleFileProblem | undefined {
  const format = rulerFormat(lokiVersion);
  const decoded = decodeRuleFile(text, format);
  return "problem" in decoded ? decoded.problem : validateGroups(decoded.groups, format);
}

/** Strict decoding of a rule file: the groups, or the problem that stopped decoding. */
function decodeRuleFile(text: string, format: RulerFormat): { groups: DecodedGroup[] } | { problem: RuleFileProblem } {
  try {
    return { groups: new StrictDecoder(text, format).decode() };
  } catch (err) {
    if (err instanceof Refusal) return { problem: err.problem };
    throw err;
  }
}

/** Loki's ValidateGroups: the first problem of decoded groups. */
function validateGroups(groups: readonly DecodedGroup[], format: RulerFormat): RuleFileProblem | undefined {
  const seen = new Set<string>();
  for (const [index, group] of groups.entries()) {
    const g = groupSetting(group.name, index);
    if (group.name === "") {
      return { kind: "group-name", rulerMessage: `group ${index}: Groupname must not be empty`, setting: `${g}.name`, value: group.name, expected: "a non-empty group name" };
    }
    if (seen.has(group.name)) {
      return { kind: "duplicate-group", rulerMessage: `groupname: "${group.name}" is repeated in the same file`, setting: `${g}.name`, value: group.name, expected: "unique among the groups of a rule file" };
    }
    seen.add(group.name);
    for (const [ruleIndex, rule] of group.rules.entries()) {
      const problem = ruleProblem(rule, g, group.name, ruleIndex, format);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** The ConfigError for a problem: one line naming the setting, the value, what is expected and Loki's reason. */
function configErrorOf(problem: RuleFileProblem, lokiVersion: LokiVersion, filePositions = true): ConfigError {
  const reason = problem.rulerMessage.replace(/\n\s*/g, " ");
  const shown = problem.where !== undefined && (filePositions || !problem.where.endsWith("of the rule file"));
  const where = shown ? ` at ${problem.where}` : "";
  return new ConfigError(
    problem.setting,
    problem.value,
    problem.expected,
    `Loki ${lokiVersion}'s ruler refuses the rule file: ${reason}${where}; a refused file disables every rule of its tenant`,
  );
}

/**
 * Throws one ConfigError when the ruler of a Loki version would refuse the rule file `text` (see findRuleFileProblem).
 * `filePositions: false` leaves out positions in the file, for files the user did not write.
 */
export function checkRuleFileForRuler(text: string, lokiVersion: LokiVersion, filePositions = true): void {
  const problem = findRuleFileProblem(text, lokiVersion);
  if (problem) throw configErrorOf(problem, lokiVersion, filePositions);
}

/**
 * Checks rule groups the way the stack deploys them to the ruler of a Loki version, before any resource exists:
 * - each group as the user wrote it, every key included, so that a key the renderer would drop
 *   (such as `severity` on a rule, or `for` on a recording rule written from JavaScript) is refused, and a key
 *   that version's ruler does not know is refused as that ruler refuses it;
 * - keys the ruler reads and then drops (`keep_firing_for`, `query_offset`), which would have no effect;
 * - each rendered rule file, exactly as the ruler will read it.
 * Run it after checkRuleGroups, which checks the project's own rules (LogQL metric queries, unique names).
 * @throws ConfigError naming the group, the rule and the field
 */
export function checkRuleFiles(groups: readonly RuleGroup[], lokiVersion: LokiVersion): void {
  const format = rulerFormat(lokiVersion);
  groups.forEach((group, index) => {
    // Positions in these files are not where the user wrote the rule: the setting names it instead.
    checkRuleFileForRuler(stringify({ groups: [group] }, { lineWidth: 0 }), lokiVersion, false);
    checkRenderedKeys(group, index, format);
    checkRuleFileForRuler(renderRuleFile(group), lokiVersion, false);
  });
}

/** The keys of the typed rules (rules.ts), which the renderer writes: every one is a field the ruler loads. */
export const TYPED_GROUP_KEYS: readonly string[] = ["name", "interval", "limit", "rules"];
/** The keys of a typed alerting rule. */
export const TYPED_ALERT_KEYS: readonly string[] = ["alert", "expr", "for", "labels", "annotations"];
/** The keys of a typed recording rule. */
export const TYPED_RECORD_KEYS: readonly string[] = ["record", "expr", "labels"];

/**
 * Refuses keys the stack does not render: written from JavaScript past the types, they would vanish from the rule
 * file without a word. A key the ruler reads and then drops (RulerFieldTreatment "ignored") says so.
 */
function checkRenderedKeys(group: RuleGroup, index: number, format: RulerFormat): void {
  const g = groupSetting(group.name, index);
  const refuse = (setting: string, key: string, value: unknown, treatment: RulerFieldTreatment | undefined, typed: readonly string[], what: string): never => {
    if (treatment === "ignored") {
      throw new ConfigError(
        setting,
        value,
        `absent: Loki ${format.lokiVersion}'s ruler reads ${key} and then drops it`,
        `its rule store keeps no ${key}, so the ${what} would run as if it were not set; ${what === "rule group" ? "a rule group" : `an ${what}`} takes ${typed.join(", ")}`,
      );
    }
    throw new ConfigError(setting, value, `absent: ${what === "rule group" ? "a rule group" : `an ${what}`} takes only ${typed.join(", ")}`, "the stack would leave it out of the rule file");
  };
  const rawGroup = group as unknown as Record<string, unknown>;
  const extra = Object.keys(rawGroup).find((key) => !TYPED_GROUP_KEYS.includes(key) && rawGroup[key] !== undefined);
  if (extra !== undefined) refuse(`${g}.${extra}`, extra, rawGroup[extra], format.groupFields[extra], TYPED_GROUP_KEYS, "rule group");
  group.rules.forEach((rule, ruleIndex) => {
    const raw = rule as unknown as Record<string, unknown>;
    const alerting = "alert" in raw;
    const known = alerting ? TYPED_ALERT_KEYS : TYPED_RECORD_KEYS;
    const key = Object.keys(raw).find((k) => !known.includes(k) && raw[k] !== undefined);
    if (key === undefined) return;
    const name = String(alerting ? raw.alert : raw.record);
    refuse(`${ruleSetting(name, `${g}.rules[${ruleIndex}]`, g)}.${key}`, key, raw[key], format.ruleFields[key], known, alerting ? "alerting rule" : "recording rule");
  });
}

/**
 * Validates the text of a rule file with every check the stack applies: the ruler of the Loki version first
 * (checkRuleFileForRuler), then the project's own (checkRuleGroups). This is what the verdict corpus is run through.
 * @throws ConfigError naming the group, the rule and the field
 */
export function checkRuleFileText(text: string, lokiVersion: LokiVersion): void {
  checkRuleGroups(readRuleFile(text, lokiVersion));
}

/**
 * A decoded group in the stack's typed form: what the ruler keeps of it. Fields it drops are left out, and so are
 * empty label and annotation maps, as the renderer does.
 */
function typedGroup(group: DecodedGroup): RuleGroup {
  const rules = group.rules.map((rule): LokiRule => {
    const labels = rule.labels.length > 0 ? { labels: Object.fromEntries(rule.labels) } : {};
    if (rule.alert === "") return { record: rule.record, expr: rule.expr, ...labels };
    const annotations = rule.annotations.length > 0 ? { annotations: Object.fromEntries(rule.annotations) } : {};
    return { alert: rule.alert, expr: rule.expr, ...(rule.forText !== undefined ? { for: rule.forText } : {}), ...labels, ...annotations };
  });
  return {
    name: group.name,
    ...(group.interval !== undefined ? { interval: group.interval } : {}),
    ...(group.limit !== undefined ? { limit: group.limit } : {}),
    rules,
  };
}

/**
 * Reads a rule file the way the ruler of a Loki version does (strict decoding, ValidateGroups) and returns its groups
 * in the stack's typed form: what the ruler will evaluate, for comparing with what the user wrote.
 * @throws ConfigError when the ruler would refuse the file
 */
export function readRuleFile(text: string, lokiVersion: LokiVersion): RuleGroup[] {
  const format = rulerFormat(lokiVersion);
  const decoded = decodeRuleFile(text, format);
  const problem = "problem" in decoded ? decoded.problem : validateGroups(decoded.groups, format);
  if (problem) throw configErrorOf(problem, lokiVersion);
  return "groups" in decoded ? decoded.groups.map(typedGroup) : [];
}
