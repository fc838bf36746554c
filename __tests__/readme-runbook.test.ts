/**
 * The README's runbook for changes Kubernetes cannot apply in place: every object its commands name must be one the
 * chart really creates, by the chart's fullname rule (lib/loki/chart.ts chartFullname), and the plan's messages point to it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ENVIRONMENTS } from "../environments";
import { CHART_UPGRADE_RUNBOOK, IN_PLACE_RUNBOOK, statefulSetNames } from "../lib/loki/in-place-guard";
import { MINIO_TRANSITION_RUNBOOK } from "../lib/loki/in-place-guard";
import { chartFullname, LOKI_CHART_VERSIONS } from "../lib/loki/chart";
import { immutablesChanging, LOKI_CHARTS } from "../lib/loki/chart-versions";
import { EBS_CSI_README_SECTION } from "../lib/volumes/storage-class";
import { CREDENTIALS_README_SECTION } from "../lib/access/credentials";
import { NETWORK_POLICIES_README_SECTION } from "../lib/access/network-policies";

const README = readFileSync(join(__dirname, "..", "README.md"), "utf8");

/** A README section, from its heading to the next heading of the same or a higher level (outside code blocks). */
function section(heading: string): string {
  const lines = README.split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no section ${heading}`);
  const level = heading.split(" ")[0].length;
  let fenced = false;
  let end = start + 1;
  for (; end < lines.length; end++) {
    if (lines[end].startsWith("```")) fenced = !fenced;
    const match = /^(#+) /.exec(lines[end]);
    if (!fenced && match && match[1].length <= level) break;
  }
  return lines.slice(start + 1, end).join("\n");
}

/** GitHub's anchor of a heading. */
const anchor = (heading: string) => heading.replace(/^#+ /, "").toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-");

const RUNBOOK = section("## Changing what Kubernetes cannot change in place");
const REFERENCE = ENVIRONMENTS["loki-s3"];

describe("given the README runbook", () => {
  test("then the plan's messages point to sections that exist", () => {
    expect(IN_PLACE_RUNBOOK).toBe(`README.md#${anchor("## Changing what Kubernetes cannot change in place")}`);
    expect(CHART_UPGRADE_RUNBOOK).toBe(`README.md#${anchor("### The chart upgrade: StatefulSet serviceNames and headless Services")}`);
    expect(MINIO_TRANSITION_RUNBOOK).toBe(`README.md#${anchor("### Moving off the bundled MinIO")}`);
    section("## Upgrading from chart 6.29.0 to 18.11.0");
    expect(EBS_CSI_README_SECTION).toBe(`README.md#${anchor("## Storage class and the EBS CSI driver")}`);
    section("## Storage class and the EBS CSI driver");
    expect(CREDENTIALS_README_SECTION).toBe(`README.md#${anchor("### Rotating a tenant's credentials")}`);
    section("### Rotating a tenant's credentials");
    expect(NETWORK_POLICIES_README_SECTION).toBe(`README.md#${anchor("### What the NetworkPolicies allow and deny")}`);
    section("### What the NetworkPolicies allow and deny");
    for (const sub of [
      "### Expanding volumes",
      "### Changing the storage class",
      "### Moving to zone-aware ingesters",
      "### The chart upgrade: StatefulSet serviceNames and headless Services",
    ]) {
      expect(section(sub)).toMatch(/```sh/);
    }
  });

  test("then its example names are the reference stack's: the namespace, and the fullname the chart derives from the release", () => {
    const assignments = [...RUNBOOK.matchAll(/NS=(\S+) FULLNAME=(\S+)/g)];
    expect(assignments.length).toBe(4);
    for (const [, ns, fullname] of assignments) {
      expect(ns).toBe(REFERENCE.namespace ?? "loki");
      expect(fullname).toBe(chartFullname(REFERENCE.releaseName ?? "loki"));
    }
  });

  test("then every object it names is a StatefulSet, pod, claim, budget or Service the chart creates under <fullname>", () => {
    const fullname = chartFullname(REFERENCE.releaseName ?? "loki");
    const sets = statefulSetNames(fullname);
    const services = LOKI_CHART_VERSIONS.flatMap((v) => Object.keys(LOKI_CHARTS[v].immutables(fullname).headlessServices));
    const objects = [sets.ingester, ...sets.ingesterZones, sets.compactor, sets.ruler, `${sets.ingester}-rollout`, ...services];
    const rollouts = section("## Ingester rollouts and the write-ahead log");
    const names = [...`${RUNBOOK}\n${rollouts}`.matchAll(/(?:\$FULLNAME|<fullname>)((?:-[a-z0-9]+)*)/g)].map((m) => fullname + m[1].replace(/-[0-9]+$/, ""));
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      expect(objects.some((object) => object === name || object.startsWith(`${name}-`))).toBe(true);
    }
    // Claims are data-<statefulset>-<ordinal>: the chart's claim template is "data".
    for (const claim of RUNBOOK.matchAll(/\bdata-\$FULLNAME-[a-z-]+/g)) expect(claim[0]).toMatch(/^data-\$FULLNAME-(ingester|compactor)/);
  });

  test("then no command types an object name by hand instead of deriving it from FULLNAME", () => {
    const commands = [...RUNBOOK.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n");
    const typed = [...commands.matchAll(/\bloki-[a-z0-9-]+/g)].map((m) => m[0]).filter((name) => !(name in ENVIRONMENTS));
    expect(typed).toEqual([]);
  });

  test("then the chart-upgrade commands name exactly the objects whose immutable fields change between the chart versions", () => {
    const fullname = chartFullname(REFERENCE.releaseName ?? "loki");
    const commands = section("### The chart upgrade: StatefulSet serviceNames and headless Services");
    const deleted = (kind: string) =>
      [...commands.matchAll(new RegExp(`delete ${kind} ((?:"\\$FULLNAME[a-z0-9-]*" ?)+)`, "g"))].flatMap((m) => m[1].trim().split(" ").map((n) => n.replace(/"/g, "").replace("$FULLNAME", fullname)));
    const changing = immutablesChanging(LOKI_CHARTS["18.11.0"], fullname);
    expect(deleted("statefulset").sort()).toEqual([...changing.statefulSets].sort());
    expect(deleted("service").sort()).toEqual([...changing.services].sort());
    expect(commands).toContain("--cascade=orphan");
  });

  test("then it states the storage multiplier of versioning at the defaults and what deleted means for delete requests", () => {
    const cost = section("## Storage cost of versioning");
    expect(cost).toMatch(/\*\*1\.23×\*\*/);
    expect(cost).toMatch(/What "deleted" means for logs deleted on request/);
  });
});
