/**
 * The upgrade from a deployed chart 6.29.0 stack to chart 18.11.0: the example stacks and a table of variants,
 * synthesized at both versions and rendered with both real charts. What holds data or identity must come out the same:
 * the buckets, role and trust (Terraform), the service account the trust names and its annotation, the StatefulSets
 * that hold volumes and their claim templates, the schema periods and the storage config (the renders). What Kubernetes
 * cannot change in place may differ only where the plan-time guard stops the plan and the README runbook says what to
 * do, and the chart facts the guard compares with must be what the real charts render.
 */
import { join } from "node:path";
import { ENVIRONMENTS } from "../environments";
import { LokiStackProps } from "../lib";
import { LokiChartVersion } from "../lib/loki/chart";
import { immutablesChanging, LOKI_CHARTS } from "../lib/loki/chart-versions";
import { Json } from "../__tests__/support/json";
import { verifyLokiConfig } from "./support/loki";
import { programPath } from "./support/programs";
import { K8sObject, lokiConfigYaml, objectNamed, ofKind, Rendered, renderLoki } from "./support/render";
import { realStack, RealStack } from "./support/stacks";
import {
  immutableDifferences,
  immutableFields,
  renderChart,
  resourceAddresses,
  statefulResources,
  storageConfig,
  volumeClaims,
  withoutVersionMarks,
} from "./support/upgrade";
import { versionPrograms } from "./support/versions";

const S3 = ENVIRONMENTS["loki-s3"];
const MINIO = ENVIRONMENTS["loki-minio"];
/** The day the MinIO stack's new store starts: a day after the upgrade, in the chart's documented transition. */
const NEW_STORE_FROM = "2027-01-15";

/** [description, stack id, props at 6.29.0, the same stack's props at 18.11.0]: what the user changes to upgrade. */
const UPGRADES: readonly (readonly [string, string, LokiStackProps, LokiStackProps])[] = [
  ...Object.entries(ENVIRONMENTS)
    .filter(([, props]) => props.storage !== "minio")
    .map(([id, props]) => [`example ${id}`, id, props, props] as const),
  ["example loki-minio, moving off the bundled MinIO", "loki-minio", MINIO, { ...MINIO, minioTransition: { newStoreFrom: NEW_STORE_FROM } }],
  ["production size", "loki-s3", { ...S3, size: "production" }, { ...S3, size: "production" }],
  ["an ingest tier", "loki-s3", { ...S3, ingestGbPerDay: 100 }, { ...S3, ingestGbPerDay: 100 }],
  ["zone-aware ingesters", "loki-s3", { ...S3, size: "production", zoneAwareReplication: true }, { ...S3, size: "production", zoneAwareReplication: true }],
  ["a tenant", "loki-s3", { ...S3, tenant: "team-a" }, { ...S3, tenant: "team-a" }],
  ["EKS Pod Identity", "loki-s3", { ...S3, identity: "pod-identity" }, { ...S3, identity: "pod-identity" }],
  ["SSE-KMS", "loki-s3", { ...S3, encryption: "SSE-KMS" }, { ...S3, encryption: "SSE-KMS" }],
  [
    "a renamed release, namespace and service account",
    "logs",
    { ...S3, releaseName: "logs", namespace: "observability", serviceAccountName: "logs-reader" },
    { ...S3, releaseName: "logs", namespace: "observability", serviceAccountName: "logs-reader" },
  ],
];

/** One stack at one chart version: synthesized, rendered by that version's chart. */
interface AtVersion {
  readonly stack: RealStack;
  readonly rendered: Rendered;
}

function atVersion(description: string, id: string, props: LokiStackProps, version: LokiChartVersion): AtVersion {
  const stack = realStack(`${description} at ${version}`, { ...props, chartVersion: version }, id);
  expect(stack.release.version).toBe(version);
  return { stack, rendered: renderLoki(stack) };
}

/** The Loki objects of a render the chart facts speak for: the Loki chart's own StatefulSets and Services. */
const lokiObjects = (rendered: Rendered, kind: string): K8sObject[] => ofKind(rendered, kind).filter((o) => o.metadata.labels?.["app.kubernetes.io/name"] === "loki");

describe.each(UPGRADES)("the upgrade of %s from chart 6.29.0 to 18.11.0", (description, id, before, after) => {
  const seed = atVersion(description, id, before, "6.29.0");
  const current = atVersion(description, id, after, "18.11.0");
  const { names } = current.stack.stack;

  test("given both versions, then each real chart renders the stack's values and the Loki of its version accepts the config", () => {
    for (const [{ stack, rendered }, version] of [
      [seed, "6.29.0"],
      [current, "18.11.0"],
    ] as const) {
      expect([version, rendered.stderr, rendered.status]).toEqual([version, "", 0]);
      const verdict = verifyLokiConfig(programPath(versionPrograms(version).loki), lokiConfigYaml(rendered));
      expect([version, stack.description, verdict.accepted, verdict.output]).toEqual([version, stack.description, true, expect.stringMatching(/config is valid/)]);
    }
  });

  test("given the Terraform plan, then every bucket, key, role, policy, association and the storage class stay exactly as they are, and no address goes away", () => {
    expect(statefulResources(current.stack.json)).toEqual(statefulResources(seed.stack.json));
    const remaining = new Set(resourceAddresses(current.stack.json));
    expect(resourceAddresses(seed.stack.json).filter((address) => !remaining.has(address))).toEqual([]);
    const release = (at: AtVersion) => at.stack.json.resource.helm_release.loki as Json;
    expect({ name: release(current).name, namespace: release(current).namespace }).toEqual({ name: release(seed).name, namespace: release(seed).namespace });
  });

  test("given the service account the trust names, then both charts create it under the same name with the same annotations, and Loki's pods run as it", () => {
    const account = (at: AtVersion) => objectNamed(at.rendered, "ServiceAccount", names.serviceAccountName);
    expect(account(current).metadata.annotations ?? {}).toEqual(account(seed).metadata.annotations ?? {});
    for (const at of [seed, current]) {
      for (const set of lokiObjects(at.rendered, "StatefulSet").filter((s) => (s.spec.volumeClaimTemplates ?? []).length > 0)) {
        expect([set.metadata.name, set.spec.template.spec.serviceAccountName]).toEqual([set.metadata.name, names.serviceAccountName]);
      }
    }
    expect(names.serviceAccountSubject).toBe(`system:serviceaccount:${names.namespace}:${names.serviceAccountName}`);
    // Chart 18's own accounts for the gateway and memcached carry no role, and no pod of the release mounts an API token.
    for (const other of ofKind(current.rendered, "ServiceAccount").filter((a) => a.metadata.name !== names.serviceAccountName)) {
      expect([other.metadata.name, other.metadata.annotations ?? {}]).toEqual([other.metadata.name, {}]);
    }
    for (const workload of ["Deployment", "StatefulSet", "DaemonSet"].flatMap((kind) => lokiObjects(current.rendered, kind))) {
      const pod = workload.spec.template.spec;
      const automount = pod.automountServiceAccountToken ?? objectNamed(current.rendered, "ServiceAccount", pod.serviceAccountName).automountServiceAccountToken;
      expect([workload.metadata.name, automount]).toEqual([workload.metadata.name, false]);
    }
  });

  test("given the StatefulSets that hold volumes, then their names and claim templates are the same in both charts", () => {
    expect(volumeClaims(current.rendered)).toEqual(volumeClaims(seed.rendered));
    expect(Object.keys(volumeClaims(current.rendered)).length).toBeGreaterThanOrEqual(2);
  });

  test("given Loki's config, then the schema periods and the storage config are the same (a MinIO stack appends one period, for its new store)", () => {
    const was = storageConfig(seed.rendered);
    const is = storageConfig(current.rendered);
    const transition = after.minioTransition !== undefined;
    const appended = transition ? [expect.objectContaining({ from: NEW_STORE_FROM })] : [];
    expect(is.schema).toEqual({ configs: [...(was.schema.configs as Json[]), ...appended] });
    expect(is.common).toEqual(was.common);
    // The ruler reads local rule files; chart 18 also writes the buckets' SSE settings into its unused S3 client.
    const { s3: wasRulerS3, ...wasRuler } = was.rulerStorage;
    const { s3: isRulerS3, ...isRuler } = is.rulerStorage;
    expect(isRuler).toEqual(wasRuler);
    expect(isRuler.type).toBe("local");
    expect(isRulerS3).toEqual({ ...wasRulerS3, ...(isRulerS3?.sse !== undefined ? { sse: is.common.s3.sse } : {}) });
    expect(is.compactor).toEqual(was.compactor);
    expect(is.retention).toEqual(was.retention);
    // Chart 18 writes use_thanos_objstore: false (the stores Loki had); a MinIO stack adds the new store by name.
    const { use_thanos_objstore: thanos, named_stores: named, ...rest } = is.storageConfig as Json;
    expect(thanos ?? false).toBe(false);
    expect(rest).toEqual(was.storageConfig);
    expect(named === undefined).toBe(!transition);
  });

  test("given what Kubernetes cannot change in place, then only what the plan-time guard checks differs: the objects it names for the runbook", () => {
    const changing = immutablesChanging(LOKI_CHARTS["18.11.0"], names.fullname);
    const both = (kind: string, name: string) => [seed, current].every((at) => at.rendered.objects.some((o) => o.kind === kind && o.metadata.name === name));
    const guarded = [
      ...changing.statefulSets.filter((n) => both("StatefulSet", n)).map((n) => `StatefulSet/${n}.serviceName`),
      ...changing.services.filter((n) => both("Service", n)).map((n) => `Service/${n}.clusterIP`),
    ].sort();
    expect(immutableDifferences(seed.rendered, current.rendered)).toEqual(guarded);
    expect(guarded).toContain(`StatefulSet/${names.fullname}-ruler.serviceName`);
  });

  test("given the chart facts the guard compares with, then they are what each real chart renders: every serviceName and every Service's headlessness", () => {
    for (const [at, version] of [
      [seed, "6.29.0"],
      [current, "18.11.0"],
    ] as const) {
      const facts = LOKI_CHARTS[version].immutables(names.fullname);
      const rendered = immutableFields(at.rendered);
      for (const set of lokiObjects(at.rendered, "StatefulSet")) {
        const name = set.metadata.name;
        expect([version, name, facts.statefulSetServiceNames[name]]).toEqual([version, name, rendered.statefulSetServiceNames[name]]);
      }
      for (const service of lokiObjects(at.rendered, "Service")) {
        const name = service.metadata.name;
        expect([version, name, facts.headlessServices[name]]).toEqual([version, name, rendered.headlessServices[name]]);
      }
    }
  });
});

describe("the MinIO stack's move off the bundled MinIO, rendered with both charts", () => {
  const seed = atVersion("loki-minio", "loki-minio", MINIO, "6.29.0");
  const current = atVersion("loki-minio", "loki-minio", { ...MINIO, minioTransition: { newStoreFrom: NEW_STORE_FROM } }, "18.11.0");
  const minioStore = current.stack.json.resource.helm_release.loki_minio_store as Json;

  test("given the transition, then the bundled MinIO's StatefulSet, Secret and Services render the same, so the logs in it stay where they are and readable", () => {
    const bundled = (at: AtVersion) =>
      at.rendered.objects.filter((o) => ["StatefulSet", "Secret", "Service"].includes(o.kind) && o.metadata.labels?.app === "minio").map(withoutVersionMarks);
    expect(bundled(seed).length).toBeGreaterThanOrEqual(4);
    expect(bundled(current)).toEqual(bundled(seed));
    expect(current.stack.release.valuesYaml).toMatch(/^ignoreMinioDeprecation: true$/m);
  });

  test("given the MinIO release, then the MinIO chart both Loki charts bundle renders it beside them, with objects of its own names and its volumes on claims", () => {
    const chart = join(programPath("lokiChart"), "charts", `minio-${minioStore.version}.tgz`);
    const rendered = renderChart(String(minioStore.name), String(minioStore.namespace), chart, String(minioStore.values[0]).replace(/\$\$\{/g, "${"));
    expect([rendered.stderr, rendered.status]).toEqual(["", 0]);
    const set = objectNamed(rendered, "StatefulSet", "loki-minio-store");
    expect((set.spec.volumeClaimTemplates as Json[]).map((t) => t.metadata.name)).toEqual(["export-0", "export-1"]);
    objectNamed(rendered, "Secret", "loki-minio-store");
    const loki = new Set(current.rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`));
    expect(rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`).filter((o) => loki.has(o))).toEqual([]);
  });
});
