import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { Construct } from "constructs";
import { canonicalQuantity } from "../core/quantity";

/** The README runbook every guard message points to. */
export const IN_PLACE_RUNBOOK = "README.md#changing-what-kubernetes-cannot-change-in-place";
/** Name of the volume claim template of the ingesters and the compactor in chart 6.29.0. */
export const DATA_CLAIM_NAME = "data";
/** The chart's three ingester zones. */
export const INGESTER_ZONES = ["zone-a", "zone-b", "zone-c"] as const;

/** The chart's StatefulSet names that hold Loki's volumes, from its `fullname`. */
export function statefulSetNames(fullname: string): { ingester: string; ingesterZones: readonly string[]; compactor: string } {
  const ingester = `${fullname}-ingester`;
  return { ingester, ingesterZones: INGESTER_ZONES.map((zone) => `${ingester}-${zone}`), compactor: `${fullname}-compactor` };
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
}

/** One Terraform precondition: the setting it protects, a boolean HCL expression and its message. */
export interface InPlaceCheck {
  readonly setting: string;
  /** HCL expression (no `${}` around it), true when the deployed state allows the change. */
  readonly condition: string;
  readonly errorMessage: string;
}

const hcl = (value: string | readonly string[]): string => JSON.stringify(value);

/**
 * The plan-time checks for changes Kubernetes refuses to apply to a StatefulSet (its `volumeClaimTemplates`) and for
 * a switch between one ingester StatefulSet and three zone StatefulSets. Pure: each condition is built from
 * `objects`, an HCL expression that yields the release's StatefulSets as the API returns them (or null or an
 * empty list when nothing is deployed, which passes), so a test can evaluate the very same text with `terraform console`.
 */
export function inPlaceChecks(objects: string, desired: InPlaceDesired): InPlaceCheck[] {
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
    const checks = inPlaceChecks(`data.${DataKubernetesResources.tfResourceType}.${this.statefulSets.friendlyUniqueId}.objects`, props.desired);
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
