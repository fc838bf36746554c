import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { Construct } from "constructs";
import { canonicalQuantity } from "../core/quantity";
import { ChartImmutables, INGESTER_ZONES } from "./chart";

/** The README runbook every guard message points to. */
export const IN_PLACE_RUNBOOK = "README.md#changing-what-kubernetes-cannot-change-in-place";
/** The runbook's steps for the chart upgrade: the StatefulSets and Services whose immutable fields change. */
export const CHART_UPGRADE_RUNBOOK = "README.md#the-chart-upgrade-statefulset-servicenames-and-headless-services";
/** Name of the volume claim template of the ingesters and the compactor (both chart versions). */
export const DATA_CLAIM_NAME = "data";
export { INGESTER_ZONES };

/** The chart's StatefulSet names that hold Loki's volumes, and the ruler's, from its `fullname` (the same in every version). */
export function statefulSetNames(fullname: string): { ingester: string; ingesterZones: readonly string[]; compactor: string; ruler: string } {
  const ingester = `${fullname}-ingester`;
  return { ingester, ingesterZones: INGESTER_ZONES.map((zone) => `${ingester}-${zone}`), compactor: `${fullname}-compactor`, ruler: `${fullname}-ruler` };
}

/** A volume claim as the stack wants it. */
export interface DesiredClaim {
  readonly size: string;
  /** The class the claim names; none (the cluster's default class) when unset. */
  readonly storageClass?: string;
}

/** What the stack wants of the release's StatefulSets. */
export interface InPlaceDesired {
  /** The chart's `fullname`. */
  readonly fullname: string;
  readonly ingester: DesiredClaim;
  readonly compactor: DesiredClaim;
  readonly zoneAwareReplication: boolean;
  /** A zone migration is under way: both ingester layouts may exist. */
  readonly zoneMigration: boolean;
  /** The chart version and what Kubernetes cannot change in place on its objects. @default none: not checked */
  readonly chart?: DesiredChart;
}

/** The chart version the release wants, as far as immutable fields go. */
export interface DesiredChart {
  readonly version: string;
  /** The release's namespace, for the commands the messages give. */
  readonly namespace: string;
  /** serviceNames and headless Services as this version renders them. */
  readonly immutables: ChartImmutables;
  /** The StatefulSets and Services of the release whose immutable field differs in another known chart version. */
  readonly changing: { readonly statefulSets: readonly string[]; readonly services: readonly string[] };
}

/** One Terraform precondition: the setting it protects, a boolean HCL expression and its message. */
export interface InPlaceCheck {
  readonly setting: string;
  /** HCL expression (no `${}` around it), true when the deployed state allows the change. */
  readonly condition: string;
  readonly errorMessage: string;
}

const hcl = (value: string | readonly string[] | Readonly<Record<string, string | boolean>>): string => JSON.stringify(value);

/**
 * The plan-time checks for changes Kubernetes refuses to apply to a StatefulSet (its `volumeClaimTemplates`) and for
 * a switch between one ingester StatefulSet and three zone StatefulSets. Pure: each condition is built from
 * `objects`, an HCL expression that yields the release's StatefulSets as the API returns them (or null or an
 * empty list when nothing is deployed, which passes), so a test can evaluate the very same text with `terraform console`.
 */
export function inPlaceChecks(objects: string, desired: InPlaceDesired, serviceObjects?: string): InPlaceCheck[] {
  // flatten([x]) turns null (no list at all) into [null], which the filter drops; a conditional against [] would
  // not type-check against a tuple of differently shaped objects.
  const all = `[for o in flatten([${objects}]) : o if o != null]`;
  const names = statefulSetNames(desired.fullname);
  const ingesters = [names.ingester, ...names.ingesterZones];
  const name = `try(s.metadata.name, "")`;
  /** True when every data claim of the named StatefulSets has `field` equal to `value`. */
  const claimsMatch = (statefulSets: readonly string[], field: string, value: string | undefined) =>
    `alltrue(flatten([for s in ${all} : [for c in try(s.spec.volumeClaimTemplates, []) : try(${field}, "") == ${hcl(value ?? "")} if try(c.metadata.name, "") == ${hcl(DATA_CLAIM_NAME)}] if contains(${hcl(statefulSets)}, ${name})]))`;
  const wantedClass = desired.ingester.storageClass !== undefined ? `"${desired.ingester.storageClass}"` : "none (the cluster's default class)";
  const cannot = "Kubernetes cannot change the volumeClaimTemplates of a StatefulSet, so Helm would fail and roll back";

  const checks: InPlaceCheck[] = [
    {
      setting: "ingesterVolumeSize",
      condition: claimsMatch(ingesters, "c.spec.resources.requests.storage", canonicalQuantity(desired.ingester.size)),
      errorMessage: `ingesterVolumeSize is "${desired.ingester.size}", but the deployed ingester StatefulSet (${names.ingester}*) claims another size. ${cannot}. Expand the volumes as ${IN_PLACE_RUNBOOK} describes.`,
    },
    {
      setting: "compactorVolumeSize",
      condition: claimsMatch([names.compactor], "c.spec.resources.requests.storage", canonicalQuantity(desired.compactor.size)),
      errorMessage: `compactorVolumeSize is "${desired.compactor.size}", but the deployed StatefulSet ${names.compactor} claims another size. ${cannot}. Expand the volume as ${IN_PLACE_RUNBOOK} describes.`,
    },
    {
      setting: "storageClass",
      condition: `${claimsMatch(ingesters, "c.spec.storageClassName", desired.ingester.storageClass)} && ${claimsMatch([names.compactor], "c.spec.storageClassName", desired.compactor.storageClass)}`,
      errorMessage: `storageClass resolves to ${wantedClass}, but the deployed ingester or compactor StatefulSet claims another class${desired.ingester.storageClass !== undefined ? " (or none)" : ""}. ${cannot}. Change the class as ${IN_PLACE_RUNBOOK} describes.`,
    },
  ];
  if (desired.chart !== undefined) checks.push(...chartUpgradeChecks(all, serviceObjects, desired.chart));
  if (!desired.zoneMigration) {
    checks.push(
      desired.zoneAwareReplication
        ? {
            setting: "zoneAwareReplication",
            condition: `!contains([for s in ${all} : ${name}], ${hcl(names.ingester)})`,
            errorMessage: `zoneAwareReplication is true, but the release runs the single ingester StatefulSet ${names.ingester}: Helm would replace it with three zone StatefulSets on new volumes and strand its write-ahead log. Migrate through zoneMigrationStage as ${IN_PLACE_RUNBOOK} describes.`,
          }
        : {
            setting: "zoneAwareReplication",
            condition: `alltrue([for s in ${all} : !contains(${hcl(names.ingesterZones)}, ${name})])`,
            errorMessage: `zoneAwareReplication is false, but the release runs the zone ingester StatefulSets ${names.ingesterZones.join(", ")}: Helm would replace them with one StatefulSet on new volumes. Keep them with zoneAwareReplication: true (the production preset no longer turns it on), or move back as ${IN_PLACE_RUNBOOK} describes.`,
          },
    );
  }
  return checks;
}

/** The README section on moving a MinIO stack off the bundled MinIO. */
export const MINIO_TRANSITION_RUNBOOK = "README.md#moving-off-the-bundled-minio";

/**
 * The plan-time check that no bundled MinIO still holds logs when the stack has moved MinIO mode to a MinIO release
 * without the transition: the chart would delete it, and Loki would no longer read the logs written there. Pure, like
 * inPlaceChecks: `objects` yields the StatefulSets of the bundled MinIO subchart (label `app=minio,release=<release>`).
 */
export function bundledMinioCheck(objects: string, releaseName: string): InPlaceCheck {
  return {
    setting: "minioTransition",
    condition: `length([for o in flatten([${objects}]) : o if o != null]) == 0`,
    errorMessage:
      `storage is "minio" on a chart that refuses its bundled MinIO, but the release ${releaseName} still runs the bundled MinIO (StatefulSet ${releaseName}-minio), which holds the logs written so far: ` +
      `the upgrade would remove it and Loki would no longer read them. Set minioTransition: { newStoreFrom: "<a day after this deploy>" } to keep them readable until the retention has passed, as ${MINIO_TRANSITION_RUNBOOK} describes.`,
  };
}

/**
 * The checks of what a chart upgrade (or downgrade) cannot change in place: each deployed StatefulSet of the release
 * must have the `serviceName` the chart version gives it, and each deployed Service must be headless exactly when the
 * version renders it so. A StatefulSet or Service the version does not know is not compared.
 * @param statefulSets HCL list of the release's deployed StatefulSets (null filtered out)
 * @param serviceObjects HCL expression yielding the release's deployed Services; no Service check without it
 */
function chartUpgradeChecks(statefulSets: string, serviceObjects: string | undefined, chart: DesiredChart): InPlaceCheck[] {
  const name = `try(s.metadata.name, "")`;
  const serviceName = `try(s.spec.serviceName, "")`;
  const orphanDelete = chart.changing.statefulSets.length > 0 ? chart.changing.statefulSets.join(" ") : "<statefulset>";
  const checks: InPlaceCheck[] = [
    {
      setting: "chartVersion",
      condition: `alltrue([for s in ${statefulSets} : ${serviceName} == lookup(${hcl(chart.immutables.statefulSetServiceNames as never)}, ${name}, ${serviceName})])`,
      errorMessage:
        `chartVersion is "${chart.version}", but a deployed StatefulSet of the release (${orphanDelete}) has another serviceName than chart ${chart.version} gives it. ` +
        `Kubernetes cannot change a StatefulSet's serviceName, so Helm would fail and roll back. Delete the StatefulSet objects but keep their pods and volumes ` +
        `(kubectl -n ${chart.namespace} delete statefulset ${orphanDelete} --cascade=orphan), then deploy, as ${CHART_UPGRADE_RUNBOOK} describes.`,
    },
  ];
  if (serviceObjects !== undefined) {
    const services = `[for o in flatten([${serviceObjects}]) : o if o != null]`;
    const headless = `(try(s.spec.clusterIP, "") == "None")`;
    const named = chart.changing.services.length > 0 ? chart.changing.services.join(" ") : "<service>";
    checks.push({
      setting: "chartVersion",
      condition: `alltrue([for s in ${services} : ${headless} == lookup(${hcl(chart.immutables.headlessServices as never)}, ${name}, ${headless})])`,
      errorMessage:
        `chartVersion is "${chart.version}", but a deployed Service of the release (${named}) is headless where chart ${chart.version} gives it a cluster IP, or the other way round. ` +
        `Kubernetes cannot change a Service's cluster IP in place: it would keep the old one, or refuse the change. Delete those Services (they hold no data; ` +
        `kubectl -n ${chart.namespace} delete service ${named}) right before you deploy, as ${CHART_UPGRADE_RUNBOOK} describes.`,
    });
  }
  return checks;
}

/** Properties of the guard. */
export interface InPlaceGuardProps {
  /** Namespace of the release. */
  readonly namespace: string;
  /** Helm release name: the chart labels every object with `app.kubernetes.io/instance=<release>`. */
  readonly releaseName: string;
  /** What the stack wants. */
  readonly desired: InPlaceDesired;
  /** The stack wants no bundled MinIO and moves no logs off one (MinIO mode on a MinIO release, no transition). @default false */
  readonly noBundledMinio?: boolean;
}

/**
 * Reads the release's StatefulSets at plan time and turns inPlaceChecks into Terraform preconditions for the
 * Loki release, so `cdktf diff` stops before Helm starts a change Kubernetes would refuse halfway.
 * On a first deploy the namespace is empty (or absent) and every check passes.
 */
export class InPlaceGuard extends Construct {
  /** The StatefulSet lookup. */
  public readonly statefulSets: DataKubernetesResources;
  /** The lookup of the bundled MinIO's StatefulSets, with noBundledMinio. */
  public readonly bundledMinio?: DataKubernetesResources;
  /** The release's Services, with the chart's immutables. */
  public readonly services?: DataKubernetesResources;
  /** The checks, for the release's `lifecycle.precondition`. */
  public readonly checks: readonly InPlaceCheck[];
  /** The checks as Terraform preconditions. */
  public readonly preconditions: readonly { condition: string; errorMessage: string }[];

  constructor(scope: Construct, id: string, props: InPlaceGuardProps) {
    super(scope, id);
    this.statefulSets = new DataKubernetesResources(this, "StatefulSets", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      namespace: props.namespace,
      labelSelector: `app.kubernetes.io/instance=${props.releaseName}`,
    });
    // The address as text: each condition is one HCL expression, which a token inside would split.
    if (props.desired.chart !== undefined) {
      this.services = new DataKubernetesResources(this, "Services", {
        apiVersion: "v1",
        kind: "Service",
        namespace: props.namespace,
        labelSelector: `app.kubernetes.io/instance=${props.releaseName}`,
      });
    }
    const address = (lookup: DataKubernetesResources) => `data.${DataKubernetesResources.tfResourceType}.${lookup.friendlyUniqueId}.objects`;
    const checks = inPlaceChecks(address(this.statefulSets), props.desired, this.services ? address(this.services) : undefined);
    if (props.noBundledMinio) {
      // The MinIO subchart labels its objects app=minio and release=<release>, not app.kubernetes.io/instance.
      this.bundledMinio = new DataKubernetesResources(this, "BundledMinio", {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        namespace: props.namespace,
        labelSelector: `app=minio,release=${props.releaseName}`,
      });
      checks.push(bundledMinioCheck(`data.${DataKubernetesResources.tfResourceType}.${this.bundledMinio.friendlyUniqueId}.objects`, props.releaseName));
    }
    this.checks = checks;
    this.preconditions = this.checks.map((c) => ({ condition: `\${${c.condition}}`, errorMessage: c.errorMessage }));
  }
}
