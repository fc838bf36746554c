/**
 * The values every chart version receives, checked against that version's own values.yaml (every key exists, free-form
 * maps aside) and, for 18.11.0, against the chart's values.schema.json with a real JSON Schema validator (Ajv, the
 * draft-07 the chart declares). The values are built the way the stack builds them, without a synth: the example
 * stacks and the shared variants, each at both versions, plus the options that add or change keys.
 * The real-program suite renders the same stacks with the real charts (whose own schema check Helm runs).
 */
import Ajv from "ajv";
import { parse } from "yaml";
import { ENVIRONMENTS } from "../../environments";
import { LokiStackProps } from "../../lib";
import { isPlainObject } from "../../lib/core/deep-merge";
import { LOKI_CHART_VERSIONS, LokiChartVersion } from "../../lib/loki/chart";
import { lokiValuesYaml } from "../../lib/loki/loki-release";
import { buildLokiValues } from "../../lib/loki/values";
import { resolveLokiStackProps } from "../../lib/loki-stack-props";
import { chartSchema, keyReport, lokiChartValues, TEMPLATE_ONLY_KEYS, unknownKeys } from "../support/chart-values";
import { VARIANTS } from "../support/variants";

const S3 = ENVIRONMENTS["loki-s3"];
const KPS = { stack: { kind: "kube-prometheus-stack" as const, releaseName: "kps", namespace: "monitoring" } };
const ROLE_ARN = "arn:aws:iam::111122223333:role/loki-loki-reference";

/** Options that add or change values keys, beyond the shared variants. */
const MORE: readonly (readonly [string, string, LokiStackProps])[] = [
  ["loki-s3 at the small tier", "loki-s3", { ...S3, ingestGbPerDay: 100 }],
  ["loki-s3 at the large tier", "loki-s3", { ...S3, ingestGbPerDay: 20_000 }],
  ["loki-s3 with zone-aware ingesters", "loki-s3", { ...S3, size: "production", zoneAwareReplication: true }],
  ["loki-s3 in a zone migration", "loki-s3", { ...S3, size: "production", zoneAwareReplication: true, zoneMigrationStage: "exclude-default-zone" }],
  ["loki-s3 renamed", "logs", { ...S3, releaseName: "logs", namespace: "observability", serviceAccountName: "logs-sa" }],
  ["loki-s3 with kube-prometheus-stack", "loki-s3", { ...S3, monitoring: KPS }],
  ["loki-s3 with a tenant and tenant limits", "loki-s3", { ...S3, tenant: "team-a", tenantLimits: { "team-a": { ingestionRateMb: 8 } } }],
  ["loki-s3 with an existing storage class", "loki-s3", { ...S3, storageClass: "gp3" }],
];

/** The move off the bundled MinIO, in both phases: only on a chart that refuses the bundled MinIO. */
const TRANSITION: readonly (readonly [string, string, LokiStackProps])[] = [
  ["loki-minio moving off the bundled MinIO", "loki-minio", { ...ENVIRONMENTS["loki-minio"], minioTransition: { newStoreFrom: "2027-01-15" } }],
  ["loki-minio moved off the bundled MinIO", "loki-minio", { ...ENVIRONMENTS["loki-minio"], minioTransition: { newStoreFrom: "2027-01-15", keepBundledMinio: false } }],
];

/** Several tenants: only on a chart whose gateway isolates them. */
const TENANTS: readonly (readonly [string, string, LokiStackProps])[] = [
  [
    "loki-s3 with tenants",
    "loki-s3",
    { ...S3, tenants: { "team-a": { namespaces: ["shop"], retentionPeriod: "1440h", limits: { ingestionRateMb: 20 } }, "team-b": { namespaces: ["billing"], credentials: { secretName: "team-b-loki" } } } },
  ],
];

/** The stacks checked at a chart version: every example stack and variant, each at that version. */
function stacksAt(version: LokiChartVersion): (readonly [string, string, LokiStackProps])[] {
  const transition = version === "18.11.0" ? [...TRANSITION, ...TENANTS] : [];
  return [...VARIANTS, ...MORE, ...transition].map(([d, id, props]) => [d, id, { ...props, chartVersion: version }] as const);
}

const built = new Map<string, Record<string, unknown>>();

/** The Loki release's values as the stack builds them and Helm reads them back (YAML 1.1); built once per stack. */
function releaseValues(props: LokiStackProps, id: string): Record<string, unknown> {
  const key = `${id} ${JSON.stringify(props)}`;
  const cached = built.get(key);
  if (cached) return cached;
  const values = buildReleaseValues(props, id);
  built.set(key, values);
  return values;
}

function buildReleaseValues(props: LokiStackProps, id: string): Record<string, unknown> {
  const settings = resolveLokiStackProps(props, id);
  const irsa = settings.storage.mode === "s3" && settings.storage.identity.identity === "irsa";
  const values = buildLokiValues({ ...settings.lokiResolved, serviceAccountAnnotations: irsa ? { "eks.amazonaws.com/role-arn": ROLE_ARN } : {} });
  return parse(lokiValuesYaml(values), { version: "1.1" }) as Record<string, unknown>;
}

describe.each(LOKI_CHART_VERSIONS)("the values of every stack at chart %s", (version) => {
  const chart = lokiChartValues(version);
  const stacks = stacksAt(version).map(([description, id, props]) => [description, releaseValues(props, id)] as const);

  test("given the stacks, then there are enough to cover every option that adds a key", () => {
    expect(stacks.length).toBeGreaterThanOrEqual(19);
  });

  test("given every key the stack sets, then it exists in the chart's values.yaml (free-form maps aside)", () => {
    for (const [description, values] of stacks) expect([description, unknownKeys(values, chart)]).toEqual([description, []]);
  });

  test("given each free-form map and template-only key the values use, then the chart has it (or, for a template-only key, the map above it), so the allowance hides no misspelt key", () => {
    const has = (path: readonly string[]): boolean => {
      let node: unknown = chart;
      for (const key of path) {
        if (!isPlainObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return false;
        node = node[key];
      }
      return true;
    };
    const used = new Set(stacks.flatMap(([, values]) => keyReport(values, chart).allowed));
    expect(used.size).toBeGreaterThan(10);
    for (const path of used) {
      const keys = path.split(".");
      const template = TEMPLATE_ONLY_KEYS.some(([key]) => key === path);
      expect([path, template ? has(keys.slice(0, 2)) : has(keys)]).toEqual([path, true]);
    }
  });
});

describe("the key check itself", () => {
  const chart = lokiChartValues("18.11.0");

  test("given a key that 18.0 removed, then the check reports it", () => {
    expect(unknownKeys({ monitoring: { rules: { alerting: true }, selfMonitoring: { enabled: false } } }, chart)).toEqual([
      "monitoring.rules.alerting",
      "monitoring.selfMonitoring",
    ]);
  });

  test("given keys under free-form maps and the template-only keys, then the check lets them pass", () => {
    const values = {
      ruler: { directories: { "team-a": { "x.yaml": "groups: []" } } },
      loki: { structuredConfig: { anything: { at: "all" } }, storage: { bucketNames: { chunks: "c", ruler: "r" }, s3: { sse: { type: "SSE-KMS" } } } },
      monitoring: { alerts: { labels: { release: "kps" } } },
    };
    expect(unknownKeys(values, chart)).toEqual([]);
    expect(unknownKeys({ loki: { storage: { bucketNames: { admin: "a" } } } }, chart)).toEqual(["loki.storage.bucketNames.admin"]);
  });
});

describe("the values of chart 18.11.0 against its values.schema.json", () => {
  // One compile per run (the schema is 570 kB); allowUnionTypes: the chart's schema uses type lists, which is draft-07.
  const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(chartSchema("loki-18.11.0-values.schema.json"));
  const stacks = stacksAt("18.11.0");

  test.each(stacks.map(([description, id, props]) => [description, id, props] as const))(
    "given %s, then the values pass the chart's schema",
    (_description, id, props) => {
      const valid = validate(releaseValues(props, id));
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    },
  );

  test("fails on values the schema refuses: the validator is really applied", () => {
    const values = releaseValues(stacks[0][2], stacks[0][1]) as { ingester: { replicas: unknown } };
    expect(validate({ ...values, ingester: { ...values.ingester, replicas: "three" } })).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath)).toContain("/ingester/replicas");
  });
});
