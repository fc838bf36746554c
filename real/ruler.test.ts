/**
 * The project's rule-file verdict against the real ruler of each Loki version. One real Loki ruler per version holds,
 * each in a tenant of its own: every case of that version's verdict corpus, one file per field of the rule-file
 * format of the Prometheus each Loki vendors, files using the template functions that differ between versions, and
 * the rule files the stacks render. Its rules API says what it made of each; the project must say the same.
 */
import { LokiVersion } from "../lib/loki/chart";
import { ruleFiles } from "../lib/loki/rules/alert-rules";
import { findRuleFileProblem, readRuleFile, RULER_FORMATS, RulerFieldTreatment, rulerFormat } from "../lib/loki/rules/rulefmt";
import { Json } from "../__tests__/support/json";
import { rulerReason, VERDICT_CASES, VersionedCase } from "../__tests__/support/ruler-verdicts";
import { programPath } from "./support/programs";
import { Ruler, RulerVerdict, startRuler } from "./support/ruler";
import { REAL_VARIANTS } from "./support/variants";
import { LOKI_PROGRAMS } from "./support/versions";

/** Every Loki version the project knows a rule-file format for. */
const VERSIONS = Object.keys(RULER_FORMATS) as LokiVersion[];

/**
 * The fields of `RuleGroup` and `RuleNode` (`Rule` from Prometheus 3) in the `model/rulefmt/rulefmt.go` each Loki
 * version vendors, in the structs' order: the fields the real rulers are asked about, one file each.
 * @see https://github.com/grafana/loki/blob/v3.4.2/vendor/github.com/prometheus/prometheus/model/rulefmt/rulefmt.go (prometheus v0.55.0)
 * @see https://github.com/grafana/loki/blob/v3.7.6/vendor/github.com/prometheus/prometheus/model/rulefmt/rulefmt.go (prometheus v0.312.1)
 */
const VENDORED_RULEFMT: Readonly<Record<LokiVersion, { readonly group: readonly string[]; readonly rule: readonly string[] }>> = {
  "3.4.2": {
    group: ["name", "interval", "query_offset", "limit", "rules"],
    rule: ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"],
  },
  "3.7.6": {
    group: ["name", "interval", "query_offset", "limit", "rules", "labels"],
    rule: ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"],
  },
};

const EXPR = 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9';
const RECORD_EXPR = 'sum by (namespace) (rate({namespace="argocd"}[5m]))';

/** A rule file of one group "g": extra group lines, then one rule of the given lines (an alert "A" by default). */
function ruleFile(groupLines: readonly string[] = [], ruleLines: readonly string[] = ["alert: A", `expr: '${EXPR}'`]): string {
  return ["groups:", "  - name: g", ...groupLines.map((l) => `    ${l}`), "    rules:", ...ruleLines.map((l, i) => `${i === 0 ? "      - " : "        "}${l}`), ""].join("\n");
}

/** One field, set in a file of its own, and how to tell from the ruler's listing that it kept the value. */
interface FieldProbe {
  readonly file: string;
  readonly kept: (group: Json) => boolean;
}

const GROUP_PROBES: Readonly<Record<string, FieldProbe>> = {
  name: { file: ruleFile(), kept: (g) => g.name === "g" },
  interval: { file: ruleFile(["interval: 2m"]), kept: (g) => g.interval === "2m" },
  query_offset: { file: ruleFile(["query_offset: 1m"]), kept: (g) => g.query_offset === "1m" },
  limit: { file: ruleFile(["limit: 10"]), kept: (g) => g.limit === 10 },
  rules: { file: ruleFile(), kept: (g) => Array.isArray(g.rules) && g.rules.length === 1 },
  labels: { file: ruleFile(["labels: {team: a}"]), kept: (g) => g.labels?.team === "a" },
};

const RULE_PROBES: Readonly<Record<string, FieldProbe>> = {
  record: { file: ruleFile([], ["record: ns:errors:rate5m", `expr: '${RECORD_EXPR}'`]), kept: (g) => g.rules?.[0]?.record === "ns:errors:rate5m" },
  alert: { file: ruleFile(), kept: (g) => g.rules?.[0]?.alert === "A" },
  expr: { file: ruleFile(), kept: (g) => g.rules?.[0]?.expr === EXPR },
  for: { file: ruleFile([], ["alert: A", `expr: '${EXPR}'`, "for: 5m"]), kept: (g) => g.rules?.[0]?.for === "5m" },
  keep_firing_for: { file: ruleFile([], ["alert: A", `expr: '${EXPR}'`, "keep_firing_for: 10m"]), kept: (g) => g.rules?.[0]?.keep_firing_for === "10m" },
  labels: { file: ruleFile([], ["alert: A", `expr: '${EXPR}'`, "labels: {severity: warning}"]), kept: (g) => g.rules?.[0]?.labels?.severity === "warning" },
  annotations: { file: ruleFile([], ["alert: A", `expr: '${EXPR}'`, "annotations: {summary: x}"]), kept: (g) => g.rules?.[0]?.annotations?.summary === "x" },
};

/** Every field of any version, asked of every version's ruler, so each says how it treats the others' fields too. */
const GROUP_FIELDS = [...new Set(VERSIONS.flatMap((v) => VENDORED_RULEFMT[v].group))];
const RULE_FIELDS = [...new Set(VERSIONS.flatMap((v) => VENDORED_RULEFMT[v].rule))];

/** The template functions one version of Prometheus has and the other has not. */
const TEMPLATE_PROBES: Readonly<Record<string, string>> = {
  now: "{{ now }}",
  toDuration: "{{ 90 | toDuration }}",
  urlQueryEscape: '{{ urlQueryEscape "a b" }}',
};

/** The rule files the stacks of the table render, each distinct file once. */
const STACK_FILES: readonly string[] = [...new Set(REAL_VARIANTS.flatMap((v) => Object.values(ruleFiles(v.props.ruleGroups ?? []))))];

/** A tenant name for a probe: letters, digits and "-" only. */
const tenantOf = (kind: string, name: string): string => `${kind}-${name}`.replace(/[^A-Za-z0-9-]/g, "-");

/** What the ruler did with a field: refused the file, or loaded it and kept the value, or loaded it and dropped it. */
function treatment(verdict: RulerVerdict, probe: FieldProbe): RulerFieldTreatment | "refused" {
  if (!verdict.loaded) return "refused";
  return verdict.groups.length === 1 && probe.kept(verdict.groups[0]) ? "loaded" : "ignored";
}

/** The corpus cases of one version. */
function corpusOf(version: LokiVersion): (readonly [string, VersionedCase])[] {
  return VERDICT_CASES.filter(([, c]) => c.version === version);
}

const rulers = new Map<LokiVersion, Promise<Ruler>>();

beforeAll(() => {
  for (const version of VERSIONS) {
    const files: Record<string, string> = {};
    for (const [, c] of corpusOf(version)) files[tenantOf("case", c.id)] = c.file;
    for (const field of GROUP_FIELDS) files[tenantOf("group", field)] = GROUP_PROBES[field].file;
    for (const field of RULE_FIELDS) files[tenantOf("rule", field)] = RULE_PROBES[field].file;
    for (const [fn, template] of Object.entries(TEMPLATE_PROBES)) files[tenantOf("template", fn)] = ruleFile([], ["alert: A", `expr: '${EXPR}'`, `annotations: {at: '${template}'}`]);
    STACK_FILES.forEach((file, i) => (files[tenantOf("stack", String(i))] = file));
    // A missing program fails that version's tests only, with what to install.
    const ruler = (async () => startRuler(programPath(LOKI_PROGRAMS[version]), files))();
    ruler.catch(() => undefined);
    rulers.set(version, ruler);
  }
});

afterAll(async () => {
  await Promise.all([...rulers.values()].map((r) => r.then((ruler) => ruler.stop(), () => undefined)));
});

test("given the probes, then every field of each version's vendored rulefmt has one, and the project's format of each version lists exactly those fields", () => {
  for (const field of GROUP_FIELDS) expect(GROUP_PROBES[field]).toBeDefined();
  for (const field of RULE_FIELDS) expect(RULE_PROBES[field]).toBeDefined();
  for (const version of VERSIONS) {
    expect(Object.keys(rulerFormat(version).groupFields)).toEqual(VENDORED_RULEFMT[version].group);
    expect(Object.keys(rulerFormat(version).ruleFields)).toEqual(VENDORED_RULEFMT[version].rule);
  }
});

describe.each(VERSIONS)("the real ruler of Loki %s", (version) => {
  let ruler: Ruler;
  beforeAll(async () => {
    ruler = await (rulers.get(version) as Promise<Ruler>);
  });

  /** The project's verdict: the ruler's reason, or "loaded". */
  const projectSays = (file: string): string => findRuleFileProblem(file, version)?.rulerMessage ?? "loaded";
  /** The real ruler's verdict in the same form. */
  const rulerSays = (verdict: RulerVerdict): string => (verdict.loaded ? "loaded" : rulerReason(verdict.message));

  test.each(corpusOf(version))("given corpus case %s, then the real ruler gives the corpus' verdict, and so does the project", async (_, c) => {
    const real = rulerSays(await ruler.verdict(tenantOf("case", c.id)));
    expect(real).toBe(c.loaded ? "loaded" : rulerReason(c.ruler));
    expect(projectSays(c.file)).toBe(real);
  });

  test.each(GROUP_FIELDS)("given a group's %s, then the project treats it as the real ruler does (loaded, ignored or refused)", async (field) => {
    const verdict = await ruler.verdict(tenantOf("group", field));
    const real = treatment(verdict, GROUP_PROBES[field]);
    expect({ field, treatment: rulerFormat(version).groupFields[field] ?? "refused" }).toEqual({ field, treatment: real });
    expect(projectSays(GROUP_PROBES[field].file)).toBe(rulerSays(verdict));
  });

  test.each(RULE_FIELDS)("given a rule's %s, then the project treats it as the real ruler does (loaded, ignored or refused)", async (field) => {
    const verdict = await ruler.verdict(tenantOf("rule", field));
    const real = treatment(verdict, RULE_PROBES[field]);
    expect({ field, treatment: rulerFormat(version).ruleFields[field] ?? "refused" }).toEqual({ field, treatment: real });
    expect(projectSays(RULE_PROBES[field].file)).toBe(rulerSays(verdict));
  });

  test.each(Object.keys(TEMPLATE_PROBES))("given the template function %s in an annotation, then the project and the real ruler agree", async (fn) => {
    const file = ruleFile([], ["alert: A", `expr: '${EXPR}'`, `annotations: {at: '${TEMPLATE_PROBES[fn]}'}`]);
    expect(projectSays(file)).toBe(rulerSays(await ruler.verdict(tenantOf("template", fn))));
  });

  test("given the rule files the stacks render, then the real ruler loads each and holds exactly the groups the project reads back", async () => {
    expect(STACK_FILES.length).toBeGreaterThan(0);
    for (const [i, file] of STACK_FILES.entries()) {
      const verdict = await ruler.verdict(tenantOf("stack", String(i)));
      expect(rulerSays(verdict)).toBe("loaded");
      if (verdict.loaded) expect(verdict.groups).toEqual(readRuleFile(file, version));
    }
  });
});
