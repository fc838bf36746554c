/**
 * The plan-time guards: the very preconditions the synthesized stack puts on helm_release.loki, evaluated by the real
 * `terraform console` (`TERRAFORM_BIN`; no providers needed) against simulated objects as the Kubernetes API returns
 * them. In the real-program suite, so that the plain `npm test` needs nothing but Node.
 */
import { LokiStackProps } from "../lib/loki-stack-props";
import { LokiChartVersion } from "../lib/loki/chart";
import { immutablesChanging, LOKI_CHARTS } from "../lib/loki/chart-versions";
import { CHART_UPGRADE_RUNBOOK, inPlaceChecks, IN_PLACE_RUNBOOK, statefulSetNames } from "../lib/loki/in-place-guard";
import { LokiRelease } from "../lib/loki/loki-release";
import { Json } from "../__tests__/support/json";
import { PROCESS_TIMEOUT_MS } from "../__tests__/support/processes";
import { REFERENCE_PROPS, synthPart, synthStack, Synthesized } from "../__tests__/support/synth";
import { consoleValues, unwrapCondition } from "./support/terraform-console";

// This file starts processes (terraform console): give each test time for a loaded machine.
jest.setTimeout(PROCESS_TIMEOUT_MS);

const STATEFULSETS = "data.kubernetes_resources.loki_statefulsets.objects";
const SERVICES = "data.kubernetes_resources.loki_services.objects";

/** The serviceName chart `version` gives a StatefulSet of release loki (the default chart's unless told). */
const serviceNameOf = (name: string, version: LokiChartVersion = "18.11.0"): string => LOKI_CHARTS[version].immutables("loki").statefulSetServiceNames[name] ?? `${name}-headless`;

/** A StatefulSet as `kubectl get statefulset -o json` shows it, with one `data` claim template (or none), as a chart version renders it. */
function statefulSet(name: string, claim?: { size: string; storageClass?: string }, version: LokiChartVersion = "18.11.0"): Json {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace: "loki", labels: { "app.kubernetes.io/instance": "loki", "app.kubernetes.io/name": "loki" } },
    spec: {
      replicas: 1,
      serviceName: serviceNameOf(name, version),
      selector: { matchLabels: { "app.kubernetes.io/instance": "loki" } },
      template: { metadata: { labels: { "app.kubernetes.io/instance": "loki" } }, spec: { containers: [{ name: "loki", image: "grafana/loki:3.4.2" }] } },
      ...(claim
        ? {
            volumeClaimTemplates: [
              {
                apiVersion: "v1",
                kind: "PersistentVolumeClaim",
                metadata: { name: "data" },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  resources: { requests: { storage: claim.size } },
                  ...(claim.storageClass !== undefined ? { storageClassName: claim.storageClass } : {}),
                  volumeMode: "Filesystem",
                },
                status: { phase: "Pending" },
              },
            ],
          }
        : {}),
    },
  };
}

/** The release as the reference stack deploys it: one ingester, the compactor, the ruler, the two memcached caches. */
const deployed = (ingesterClaim = { size: "10Gi", storageClass: "loki-gp3" } as { size: string; storageClass?: string }, compactorClaim = ingesterClaim, version: LokiChartVersion = "18.11.0") => [
  statefulSet("loki-ingester", ingesterClaim, version),
  statefulSet("loki-compactor", compactorClaim, version),
  statefulSet("loki-ruler", undefined, version),
  statefulSet("loki-chunks-cache", undefined, version),
  statefulSet("loki-results-cache", undefined, version),
];

/** A Service of release loki, headless or with a cluster IP, as the API returns it. */
const service = (name: string, headless: boolean): Json => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "loki", labels: { "app.kubernetes.io/instance": "loki" } },
  spec: { clusterIP: headless ? "None" : "172.20.14.7", clusterIPs: [headless ? "None" : "172.20.14.7"], type: "ClusterIP", ports: [{ port: 3100 }] },
});
/** The release's Services as a chart version renders them (every one it knows). */
const servicesOf = (version: LokiChartVersion): Json[] =>
  Object.entries(LOKI_CHARTS[version].immutables("loki").headlessServices).map(([name, headless]) => service(name, headless));

/** The helm_release preconditions of a synthesized stack that read its StatefulSets or Services: the in-place guard's. */
function preconditionsOf(json: Synthesized): { condition: string; error_message: string }[] {
  return (json.resource.helm_release.loki.lifecycle.precondition as { condition: string; error_message: string }[]).filter(
    (p) => p.condition.includes(STATEFULSETS) || p.condition.includes(SERVICES),
  );
}

/**
 * Evaluates each condition with `terraform console` in a directory whose only content is a `locals` block holding the
 * simulated objects; the data source addresses in the expression are pointed at those locals, the rest is verbatim.
 * @param services the release's Services; the chart's default rendering of them unless told
 */
function evaluate(conditions: readonly string[], objects: unknown, services: unknown = servicesOf("18.11.0")): boolean[] {
  const expressions = conditions.map((c) => unwrapCondition(c).split(STATEFULSETS).join("local.objects").split(SERVICES).join("local.services"));
  return consoleValues({ objects, services }, expressions) as boolean[];
}

/**
 * The settings whose check fails on each of several simulated deployed states, for one stack's props: one synth and
 * one `terraform console` for all of them.
 */
function failingEach(props: Partial<LokiStackProps>, cases: readonly { readonly objects: unknown; readonly services: unknown }[]): string[][] {
  const { json } = synthStack({ ...REFERENCE_PROPS, ...props });
  const preconditions = preconditionsOf(json);
  const expressions = cases.flatMap((_, i) =>
    preconditions.map((p) =>
      unwrapCondition(p.condition)
        .split(STATEFULSETS)
        .join(`local.cases[${i}].objects`)
        .split(SERVICES)
        .join(`local.cases[${i}].services`),
    ),
  );
  const results = consoleValues({ cases }, expressions) as boolean[];
  return cases.map((_, i) => preconditions.filter((__, j) => !results[i * preconditions.length + j]).map((p) => p.error_message.split(" ")[0]));
}

/** The settings whose check fails on a simulated deployed state, for a stack's props. */
function failing(props: Partial<LokiStackProps>, objects: unknown, services?: unknown): string[] {
  const { json } = synthStack({ ...REFERENCE_PROPS, ...props });
  const preconditions = preconditionsOf(json);
  const results = evaluate(
    preconditions.map((p) => p.condition),
    objects,
    services,
  );
  return preconditions.filter((_, i) => !results[i]).map((p) => p.error_message.split(" ")[0]);
}

describe("given the synthesized stack", () => {
  const { json } = synthStack(REFERENCE_PROPS);

  test("then helm_release.loki carries the guard's checks, built by inPlaceChecks from the StatefulSet and Service lookups", () => {
    const desired = { fullname: "loki", ingester: { size: "10Gi", storageClass: "loki-gp3" }, compactor: { size: "10Gi", storageClass: "loki-gp3" } };
    const chart = { version: "18.11.0", namespace: "loki", immutables: LOKI_CHARTS["18.11.0"].immutables("loki"), changing: { statefulSets: ["loki-ruler"], services: ["loki-query-scheduler", "loki-ruler"] } };
    const expected = inPlaceChecks(STATEFULSETS, { ...desired, zoneAwareReplication: false, zoneMigration: false, chart }, SERVICES);
    expect(preconditionsOf(json)).toEqual(expected.map((c) => ({ condition: `\${${c.condition}}`, error_message: c.errorMessage })));
    expect(expected.map((c) => c.setting)).toEqual(["ingesterVolumeSize", "compactorVolumeSize", "storageClass", "chartVersion", "chartVersion", "zoneAwareReplication"]);
  });

  test("then the lookup lists the release's StatefulSets in its namespace by the chart's instance label", () => {
    expect(json.data.kubernetes_resources.loki_statefulsets).toMatchObject({
      api_version: "apps/v1",
      kind: "StatefulSet",
      namespace: "loki",
      label_selector: "app.kubernetes.io/instance=loki",
    });
  });

  test("then the Service lookup lists the release's Services in its namespace by the chart's instance label", () => {
    expect(json.data.kubernetes_resources.loki_services).toMatchObject({ api_version: "v1", kind: "Service", namespace: "loki", label_selector: "app.kubernetes.io/instance=loki" });
  });

  test("then every message names its setting and points to the README runbook", () => {
    for (const p of preconditionsOf(json)) {
      expect(p.error_message).toMatch(/^(ingesterVolumeSize|compactorVolumeSize|storageClass|zoneAwareReplication|chartVersion) /);
      expect([IN_PLACE_RUNBOOK, CHART_UPGRADE_RUNBOOK].some((runbook) => p.error_message.includes(runbook))).toBe(true);
    }
  });
});

describe("given the guard evaluated by terraform console", () => {
  test("when nothing is deployed (first deploy, the namespace absent or empty), then every check passes", () => {
    expect(failing({}, null)).toEqual([]);
    expect(failing({}, [])).toEqual([]);
    expect(failing({ size: "production", zoneAwareReplication: true }, [])).toEqual([]);
  });

  test("when the deployed release matches the stack, then every check passes, whatever form the size is written in", () => {
    expect(failing({}, deployed())).toEqual([]);
    // The API server writes quantities back in canonical form: 10240Mi comes back as 10Gi.
    expect(failing({ ingesterVolumeSize: "10240Mi" }, deployed())).toEqual([]);
  });

  test("when the ingester claim size differs, then the plan fails on ingesterVolumeSize alone", () => {
    expect(failing({ ingesterVolumeSize: "20Gi" }, deployed())).toEqual(["ingesterVolumeSize"]);
  });

  test("when the compactor claim size differs, then the plan fails on compactorVolumeSize alone", () => {
    expect(failing({ compactorVolumeSize: "20Gi" }, deployed())).toEqual(["compactorVolumeSize"]);
  });

  test("when the claims name another class, or none (a release deployed before the stack created its class), then the plan fails on storageClass", () => {
    expect(failing({ storageClass: "gp2" }, deployed())).toEqual(["storageClass"]);
    expect(failing({}, deployed({ size: "10Gi" }))).toEqual(["storageClass"]);
  });

  test("when the stack would switch between one ingester StatefulSet and three zone StatefulSets, then the plan fails on zoneAwareReplication", () => {
    const claim = { size: "10Gi", storageClass: "loki-gp3" };
    const zones = [...statefulSetNames("loki").ingesterZones.map((n) => statefulSet(n, claim)), statefulSet("loki-compactor", claim), statefulSet("loki-ruler")];
    expect(failing({ size: "production", zoneAwareReplication: true }, deployed())).toEqual(["zoneAwareReplication"]);
    expect(failing({ size: "production" }, zones)).toEqual(["zoneAwareReplication"]);
    expect(failing({ size: "production", zoneAwareReplication: true }, zones)).toEqual([]);
  });

  test("when a zone migration is under way, then both ingester layouts may run side by side", () => {
    const claim = { size: "10Gi", storageClass: "loki-gp3" };
    const both = [...deployed(), ...statefulSetNames("loki").ingesterZones.map((n) => statefulSet(n, claim))];
    expect(failing({ size: "production", zoneAwareReplication: true, zoneMigrationStage: "start" }, deployed())).toEqual([]);
    expect(failing({ size: "production", zoneAwareReplication: true, zoneMigrationStage: "exclude-default-zone" }, both)).toEqual([]);
    // The migration changes the layout, not the claims: a size change is still caught.
    expect(failing({ size: "production", zoneAwareReplication: true, zoneMigrationStage: "start", ingesterVolumeSize: "20Gi" }, both)).toEqual([
      "ingesterVolumeSize",
    ]);
  });

  test("when another release shares the namespace, then its StatefulSets are never compared", () => {
    expect(failing({ releaseName: "logs" }, deployed({ size: "1Gi", storageClass: "other" }))).toEqual([]);
  });
});

describe("given the EBS CSI driver check evaluated by terraform console", () => {
  const { json } = synthStack(REFERENCE_PROPS);
  const [precondition] = json.resource.kubernetes_storage_class_v1.loki_gp3.lifecycle.precondition;
  const driverAddress = "data.kubernetes_resources.loki_ebs_csi_driver.objects";
  const check = (objects: unknown) => evaluate([precondition.condition.split(driverAddress).join(STATEFULSETS)], objects)[0];

  test("when the cluster has no CSIDriver ebs.csi.aws.com, then the plan fails with a message naming the add-on and the README section", () => {
    expect(check(null)).toBe(false);
    expect(check([])).toBe(false);
    expect(precondition.error_message).toMatch(/aws-ebs-csi-driver add-on/);
    expect(precondition.error_message).toContain("README.md#storage-class-and-the-ebs-csi-driver");
  });

  test("when the driver is registered, then the check passes", () => {
    expect(check([{ apiVersion: "storage.k8s.io/v1", kind: "CSIDriver", metadata: { name: "ebs.csi.aws.com" }, spec: { attachRequired: true } }])).toBe(true);
  });
});

describe("given the release on its own, naming no storage class", () => {
  const json = JSON.parse(
    synthPart((scope) => {
      new LokiRelease(scope, "Loki", { storage: { mode: "minio" }, chartVersion: "6.29.0" });
      // The upgrade checks read 6.29.0's serviceNames: this release's simulated StatefulSets are rendered so below.
    }),
  ) as Synthesized;
  const preconditions = preconditionsOf(json);
  const storageClassCheck = preconditions.find((p) => p.error_message.startsWith("storageClass "));

  test("then the release carries the guard itself, with the lookup at its pinned address", () => {
    expect(json.data.kubernetes_resources.loki_statefulsets).toMatchObject({ kind: "StatefulSet", label_selector: "app.kubernetes.io/instance=loki" });
    expect(preconditions.map((p) => p.error_message.split(" ")[0])).toEqual(["ingesterVolumeSize", "compactorVolumeSize", "storageClass", "chartVersion", "chartVersion", "zoneAwareReplication"]);
    expect(storageClassCheck?.error_message).toMatch(/^storageClass resolves to none \(the cluster's default class\)/);
  });

  test("when the deployed claims name no class, then the storage class check passes; when they name one, it fails", () => {
    const condition = (storageClassCheck as { condition: string }).condition;
    expect(evaluate([condition, condition], null)).toEqual([true, true]);
    expect(evaluate([condition], deployed({ size: "10Gi" }, undefined, "6.29.0"))).toEqual([true]);
    expect(evaluate([condition], deployed(undefined, undefined, "6.29.0"))).toEqual([false]);
  });
});

describe("given the dashboard namespace check evaluated by terraform console", () => {
  const NAMESPACE = "data.kubernetes_resources.loki_dashboard_namespace.objects";
  // The chart writes its dashboards with kube-prometheus-stack (with the standalone chart, the platform delivers its own).
  const KPS_PROPS: LokiStackProps = { ...REFERENCE_PROPS, monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" } } };
  const { json } = synthStack(KPS_PROPS);
  const release = json.resource.helm_release.loki;
  const precondition = (release.lifecycle.precondition as { condition: string; error_message: string }[]).find((p) => p.condition.includes(NAMESPACE));
  const check = (objects: unknown) => evaluate([(precondition as { condition: string }).condition.split(NAMESPACE).join(STATEFULSETS)], objects)[0];

  test("given dashboards for Grafana in another namespace, then the plan looks that namespace up", () => {
    expect(json.data.kubernetes_resources.loki_dashboard_namespace).toMatchObject({ api_version: "v1", kind: "Namespace", field_selector: "metadata.name=monitoring" });
    expect(precondition?.error_message).toMatch(/^Grafana's namespace "monitoring" does not exist on the cluster/);
    expect(precondition?.error_message).toContain("monitoring.dashboards: false");
  });

  test("when the namespace does not exist, then the plan fails before Helm runs", () => {
    expect(check(null)).toBe(false);
    expect(check([])).toBe(false);
  });

  test("when the namespace exists, then the check passes", () => {
    expect(check([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring" }, spec: { finalizers: ["kubernetes"] } }])).toBe(true);
  });

  test("given no dashboards, or dashboards in the release's own namespace, then nothing is looked up", () => {
    const variants: Partial<LokiStackProps>[] = [{ monitoring: { dashboards: false } }, { grafana: { enabled: false } }, { grafana: { namespace: "loki" } }];
    for (const props of variants) {
      const other = synthStack({ ...KPS_PROPS, ...props, monitoring: { ...KPS_PROPS.monitoring, ...props.monitoring } }).json;
      expect([props, other.data.kubernetes_resources?.loki_dashboard_namespace]).toEqual([props, undefined]);
    }
  });
});

describe("given the bundled MinIO check of a MinIO stack on chart 18.11.0, evaluated by terraform console", () => {
  const MINIO = "data.kubernetes_resources.loki_bundled_minio.objects";
  const minioStack = { clusterName: "loki-sandbox", storage: "minio" as const, chartVersion: "18.11.0" as const };
  const { json } = synthStack(minioStack);
  const preconditions = json.resource.helm_release.loki.lifecycle.precondition as { condition: string; error_message: string }[];
  const precondition = preconditions.find((p) => p.condition.includes(MINIO));
  const check = (objects: unknown) => evaluate([(precondition as { condition: string }).condition.split(MINIO).join(STATEFULSETS)], objects)[0];
  /** The bundled MinIO StatefulSet as chart 6.29.0 ran it for release loki (the MinIO subchart's labels). */
  const bundled = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "loki-minio", namespace: "loki", labels: { app: "minio", release: "loki" } }, spec: { replicas: 1 } };

  test("then the plan looks up the bundled MinIO of this release by the MinIO subchart's labels, at its pinned address", () => {
    expect(json.data.kubernetes_resources.loki_bundled_minio).toMatchObject({ api_version: "apps/v1", kind: "StatefulSet", namespace: "loki", label_selector: "app=minio,release=loki" });
    expect(precondition?.error_message).toMatch(/^storage is "minio" on a chart that refuses its bundled MinIO, but the release loki still runs the bundled MinIO/);
    expect(precondition?.error_message).toContain("minioTransition");
    expect(precondition?.error_message).toContain("README.md#moving-off-the-bundled-minio");
  });

  test("when no bundled MinIO runs (a new try-out stack), then the check passes; when it runs, the plan fails before Helm removes it", () => {
    expect(check(null)).toBe(true);
    expect(check([])).toBe(true);
    expect(check([bundled])).toBe(false);
  });

  test("given the transition off the bundled MinIO, in either phase, then nothing is looked up: the move is stated", () => {
    for (const keepBundledMinio of [true, false]) {
      const other = synthStack({ ...minioStack, minioTransition: { newStoreFrom: "2027-01-15", keepBundledMinio } }).json;
      expect([keepBundledMinio, other.data.kubernetes_resources?.loki_bundled_minio]).toEqual([keepBundledMinio, undefined]);
    }
  });
});

describe("given the chart upgrade from 6.29.0 to 18.11.0, evaluated by terraform console", () => {
  const claim = { size: "10Gi", storageClass: "loki-gp3" };
  const zones6290 = [
    ...statefulSetNames("loki").ingesterZones.map((n) => statefulSet(n, claim, "6.29.0")),
    statefulSet("loki-compactor", claim, "6.29.0"),
    statefulSet("loki-ruler", undefined, "6.29.0"),
  ];
  const zoned = { size: "production" as const, zoneAwareReplication: true };
  const seed = deployed(undefined, undefined, "6.29.0");
  const withoutRuler = seed.filter((s) => s.metadata.name !== "loki-ruler");
  const withoutServices = servicesOf("6.29.0").filter((s) => !["loki-ruler", "loki-query-scheduler"].includes(s.metadata.name));
  // One synth and one terraform console per stack, for every deployed state below.
  const [onSeed, orphaned, bothDeleted, onCurrent, nothing] = failingEach({}, [
    { objects: seed, services: servicesOf("6.29.0") },
    { objects: withoutRuler, services: servicesOf("6.29.0") },
    { objects: withoutRuler, services: withoutServices },
    { objects: deployed(), services: servicesOf("18.11.0") },
    { objects: null, services: null },
  ]);
  const [zonesOnSeed] = failingEach(zoned, [{ objects: zones6290, services: servicesOf("6.29.0") }]);
  const [staysOnSeed, downgrade] = failingEach({ chartVersion: "6.29.0" }, [
    { objects: seed, services: servicesOf("6.29.0") },
    { objects: deployed(), services: servicesOf("18.11.0") },
  ]);

  test("when a release deployed with 6.29.0 meets chart 18.11.0, then the plan fails on chartVersion: the ruler's serviceName and two Services' cluster IPs", () => {
    expect(onSeed).toEqual(["chartVersion", "chartVersion"]);
  });

  test("when only the StatefulSets were deleted with --cascade=orphan, then the Service check still fails; once the two Services are gone too, the plan passes", () => {
    expect(orphaned).toEqual(["chartVersion"]);
    expect(bothDeleted).toEqual([]);
  });

  test("when zone-aware ingesters deployed with 6.29.0 meet chart 18.11.0, then the zone StatefulSets are named in the message too", () => {
    expect(zonesOnSeed).toEqual(["chartVersion", "chartVersion"]);
    const { json } = synthStack({ ...REFERENCE_PROPS, ...zoned });
    const message = preconditionsOf(json).find((p) => p.error_message.includes("serviceName"))?.error_message;
    expect(message).toContain("kubectl -n loki delete statefulset loki-ingester-zone-a loki-ingester-zone-b loki-ingester-zone-c loki-ruler --cascade=orphan");
    expect(message).toContain(CHART_UPGRADE_RUNBOOK);
  });

  test("when a release already runs 18.11.0 (or nothing yet), then the upgrade checks pass", () => {
    expect(onCurrent).toEqual([]);
    expect(nothing).toEqual([]);
  });

  test("when a stack stays on 6.29.0, then the same checks pass on the release it deployed, and would stop a downgrade from 18.11.0", () => {
    expect(staysOnSeed).toEqual([]);
    expect(downgrade).toEqual(["chartVersion", "chartVersion"]);
  });

  test("given the versions the stack knows, then what changes between them is the ruler's and the zone ingesters' serviceName and the ruler's and query-scheduler's headless Services", () => {
    expect(immutablesChanging(LOKI_CHARTS["18.11.0"], "loki")).toEqual({
      statefulSets: ["loki-ingester-zone-a", "loki-ingester-zone-b", "loki-ingester-zone-c", "loki-ruler"],
      services: ["loki-query-scheduler", "loki-ruler"],
    });
  });
});
