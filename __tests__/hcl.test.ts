/**
 * The way out of cdktf: `cdktf synth --hcl` must write, for every stack, HCL that Terraform parses and
 * that says exactly what the Terraform JSON says. Each stack is synthesized in both forms; the HCL is
 * parsed with `@cdktf/hcl2json` (HashiCorp's HCL parser, the one Terraform uses, compiled to
 * WebAssembly) and compared with the JSON: same blocks, same attributes, same values, and the same
 * references (expressions are compared as text, so a changed reference or function fails).
 *
 * What the comparison forgives, and why (`alignToJson`):
 * - Blocks: hcl2json lists every block (`resource "t" "n" {}` becomes `{ t: { n: [{...}] } }`), while
 *   cdktf's JSON writes a block that occurs once as an object. Terraform's JSON syntax reads an object
 *   and a one-element array of objects alike, so a one-element list of an object in the HCL is compared
 *   with the object in the JSON. Only where the JSON has an object: a list in the JSON stays a list.
 * - Heredocs: cdktf writes a multi-line string as a `<<EOF` heredoc, which always ends with a newline,
 *   so the HCL value is the JSON value plus one trailing newline. Only that exact difference, and only
 *   for a string that has a newline (the ones written as heredocs), is forgiven.
 * - cdktf's `//` metadata (construct paths) is not in the JSON compared (`Testing.synth` drops it): the
 *   HCL export writes it to a separate metadata.json.
 * Anything else that differs fails the test.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { parse } from "@cdktf/hcl2json";
import { TerraformStack, Testing } from "cdktf";
import { ENVIRONMENTS } from "../environments";
import { LokiStack, LokiStackProps } from "../lib";
import { synthStack, testApp } from "./support/synth";
import { PROCESS_TIMEOUT_MS } from "./support/processes";
import { VARIANTS } from "./support/variants";

// hcl2json runs a Go-WASM parser: give each hook and test time for a loaded machine.
jest.setTimeout(PROCESS_TIMEOUT_MS);

/** A parsed configuration, in either form. */
type Config = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * The parsed HCL, with the two differences that do not change what Terraform reads brought to the
 * JSON's form (see the header). Everything else is left as parsed, for `toEqual` to judge.
 */
function alignToJson(hcl: unknown, json: unknown): unknown {
  if (Array.isArray(hcl) && hcl.length === 1 && isObject(hcl[0]) && isObject(json)) return alignToJson(hcl[0], json);
  if (Array.isArray(hcl) && Array.isArray(json) && hcl.length === json.length) return hcl.map((item, i) => alignToJson(item, json[i]));
  if (isObject(hcl) && isObject(json)) return Object.fromEntries(Object.entries(hcl).map(([key, value]) => [key, alignToJson(value, json[key])]));
  if (typeof hcl === "string" && typeof json === "string" && json.includes("\n") && hcl === `${json}\n`) return json;
  return hcl;
}

/** Both forms of one stack, each from a fresh app, as `cdktf synth` and `cdktf synth --hcl` write them. */
function synthBoth(id: string, props: LokiStackProps): { json: Config; hcl: string } {
  const json = synthStack(props, id).json as Config;
  const hcl = Testing.synthHcl(new LokiStack(testApp(), id, props)) as string;
  return { json, hcl };
}

/**
 * The variants, plus monitoring with kube-prometheus-stack: the only stack with Prometheus Operator objects
 * (`kubernetes_manifest`), which cdktf's HCL writer gets wrong when the object is written inline. Its user rule holds
 * what a Terraform string reads as escapes or templates: a regexp escape, quotes, `${`, `%{` and a newline.
 */
const HCL_VARIANTS: readonly (readonly [string, string, LokiStackProps])[] = [
  ...VARIANTS,
  // Several tenants: Fluent Bit's own ${VARIABLE}s in its config, jsonencode over passwords, nonsensitive hashes.
  ["loki-s3 with tenants", "loki-s3", { ...ENVIRONMENTS["loki-s3"], tenants: { "team-a": { namespaces: ["shop"] }, "team-b": { namespaces: ["billing"], credentials: { secretName: "team-b-loki" } } } }],
  [
    "loki-s3 with kube-prometheus-stack monitoring",
    "loki-s3",
    {
      ...ENVIRONMENTS["loki-s3"],
      monitoring: {
        stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" },
        ruleGroups: [
          {
            name: "mine",
            rules: [
              {
                alert: "LokiPush5xx",
                expr: 'sum(rate(loki_request_duration_seconds_count{status_code=~"5\\d\\d"}[5m])) > 0',
                for: "5m",
                labels: { severity: "warning" },
                annotations: { summary: 'Pushes fail with "5xx"', description: "Not ${a.reference} nor %{ if x }.\nRead the log." },
              },
            ],
          },
        ],
      },
    },
  ],
];

describe.each(HCL_VARIANTS.map(([description, id, props]) => [description, id, props] as const))("given %s synthesized as JSON and as HCL", (_, id, props) => {
  let json: Config;
  let hcl: string;
  let parsed: Config | Error;
  beforeAll(async () => {
    ({ json, hcl } = synthBoth(id, props));
    parsed = await parse("cdk.tf", hcl).catch((error: Error) => error);
  });

  it("then the HCL parses", () => {
    expect(parsed instanceof Error ? parsed.message : "parsed").toBe("parsed");
  });

  it("then the HCL says what the JSON says: same blocks, attributes, values and references", () => {
    expect(alignToJson(parsed, json)).toEqual(json);
  });

  it("then every policy document is written as the same jsonencode expression in both", () => {
    const policies = [...hcl.matchAll(/^(?:assume_role_policy|policy) = "(.*)"$/gm)].map((m) => m[1]);
    expect(policies.every((p) => p.startsWith("${jsonencode("))).toBe(true);
    const resources = json.resource as Record<string, Record<string, Record<string, unknown>>> | undefined;
    const inJson = Object.values(resources ?? {}).flatMap((byName) =>
      Object.values(byName).flatMap((block) => [block.assume_role_policy, block.policy].filter((v): v is string => typeof v === "string")),
    );
    expect(policies.sort()).toEqual(inJson.sort());
  });
});

describe("given the comparison itself", () => {
  it("when a policy is a JSON string with a reference inside (the form this replaced) then the HCL does not parse", async () => {
    const stack = new TerraformStack(testApp(), "old-form");
    const bucket = new S3Bucket(stack, "bucket", { bucket: "b" });
    new S3BucketPolicy(stack, "policy", {
      bucket: bucket.id,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: ["s3:*"], Resource: [bucket.arn] }] }),
    });
    const hcl = Testing.synthHcl(stack) as string;
    expect(hcl).toContain('policy = "{"Version":"2012-10-17"');
    await expect(parse("cdk.tf", hcl)).rejects.toThrow(/Invalid character|Missing newline after argument/);
  });

  it.each<[string, unknown, unknown]>([
    ["a changed reference", { a: "${aws_s3_bucket.x.arn}" }, { a: "${aws_s3_bucket.y.arn}" }],
    ["a missing attribute", { a: "1" }, { a: "1", b: "2" }],
    ["a list of one object where the JSON has a list of two", [{ a: "1" }], [{ a: "1" }, { a: "1" }]],
    ["a block where the JSON has a string", [{ a: "1" }], "x"],
    ["two trailing newlines", "a\nb\n\n", "a\nb"],
    ["a trailing newline on a one-line string", "a\n", "a"],
  ])("when the HCL has %s then they differ", (_, hcl, json) => {
    expect(alignToJson(hcl, json)).not.toEqual(json);
  });

  it.each<[string, unknown, unknown]>([
    ["a block written once", { r: [{ a: "1" }] }, { r: { a: "1" } }],
    ["a heredoc", "a\nb\n", "a\nb"],
  ])("when the HCL has %s then they are equal", (_, hcl, json) => {
    expect(alignToJson(hcl, json)).toEqual(json);
  });
});

describe("given the real app command with SYNTH_HCL_OUTPUT=true (what `cdktf synth --hcl` runs)", () => {
  const root = resolve(__dirname, "..");
  const outdir = mkdtempSync(join(tmpdir(), "loki-hcl-"));
  let exit: number | null;
  beforeAll(async () => {
    exit = await new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [join(root, "scripts/app.cjs"), join(root, "main.ts")], {
        cwd: root,
        env: { ...process.env, SYNTH_HCL_OUTPUT: "true", CDKTF_OUTDIR: outdir },
        stdio: "ignore",
      });
      child.on("close", done);
    });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  // One parse per stack: the file is the very text parsed and compared above for the example stacks.
  it.each(Object.keys(ENVIRONMENTS))("then stacks/%s/cdk.tf is written, and is the HCL checked above", (id) => {
    expect(exit).toBe(0);
    const file = join(outdir, "stacks", id, "cdk.tf");
    expect(existsSync(file)).toBe(true);
    expect(existsSync(join(outdir, "stacks", id, "cdk.tf.json"))).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(synthBoth(id, ENVIRONMENTS[id]).hcl);
  });
});
