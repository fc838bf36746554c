import { Release } from "@cdktf/provider-helm/lib/release";
import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { escapeTerraformTemplates } from "../core/terraform";
import { Document, isScalar, visit } from "yaml";
import { immutablesChanging } from "./chart-versions";
import { InPlaceGuard, statefulSetNames } from "./in-place-guard";
import { LokiReleaseProps, resolveLokiReleaseProps, ResolvedLokiReleaseProps } from "./loki-props";
import { Names } from "./names";
import { Tenancy } from "./tenancy";
import type { StorageSafetyValues } from "./storage-safety";
import { buildLokiValues, CANARY_PASSWORD_SETTING, LokiValues } from "./values";

/**
 * Serialises chart values once, as YAML that Helm (a YAML 1.1 parser) reads back unchanged.
 * - Strings YAML 1.1 would read as something else ("on", "2024-04-01") are quoted.
 * - Terraform references (cdktf tokens) are double-quoted, so a bucket name such as "1234" stays a string.
 * - Lines are never folded, so a token is never split.
 * - An object used twice is written twice, never as a YAML anchor and alias, so the values read in `cdktf diff` as they are.
 * - A literal "${" or "%{" is escaped for Terraform, which would otherwise read it as a template.
 */
export function lokiValuesYaml(values: LokiValues): string {
  const doc = new Document(values, { version: "1.1", aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_, node) {
      if (isScalar(node) && typeof node.value === "string" && Token.isUnresolved(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  return escapeTerraformTemplates(doc.toString({ lineWidth: 0 }));
}

/** The README section on where the dashboards go, which the namespace check points to. */
export const MONITORING_README_SECTION = "README.md#monitoring-the-platform";

/**
 * The precondition that the namespace the chart writes its dashboards to exists: a namespace lookup that finds
 * nothing (or null, before the API answers anything) fails the plan with a message that says what to set.
 */
export function dashboardNamespaceCheck(lookup: DataKubernetesResources, namespace: string): { condition: string; errorMessage: string } {
  // The address as text: the condition is one HCL expression, which a token inside would split.
  const objects = `data.${DataKubernetesResources.tfResourceType}.${lookup.friendlyUniqueId}.objects`;
  return {
    condition: `\${length([for o in flatten([${objects}]) : o if o != null]) > 0}`,
    errorMessage:
      `Grafana's namespace "${namespace}" does not exist on the cluster, and the Loki chart writes its dashboards there: Helm would fail ` +
      `and roll back the whole release. Install Grafana in it, set grafana.namespace to the namespace Grafana's sidecar watches, ` +
      `or set monitoring.dashboards: false. See ${MONITORING_README_SECTION}.`,
  };
}

/**
 * Grafana Loki in Distributed mode: one `helm_release` of the Loki chart, at a version the stack knows (`chartVersion`),
 * with values built by buildLokiValues and serialised once.
 * It validates its own props (resolveLokiReleaseProps). The stack makes it wait for the role and bucket
 * resources (`dependsOn`), because the EKS Pod Identity webhook gives credentials only to pods created after
 * their association exists. Its InPlaceGuard reads the release's deployed StatefulSets at plan time, so a change
 * Kubernetes cannot apply in place fails `cdktf diff` instead of a Helm upgrade halfway.
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/install-microservices/
 */
export class LokiRelease extends Construct {
  /** The Helm release. */
  public readonly resource: Release;
  /** The props with every default applied. */
  public readonly settings: ResolvedLokiReleaseProps;
  /** The names the chart gives its objects. */
  public readonly names: Names;
  /** Auth and the tenant that receives logs and owns the rules. */
  public readonly tenancy: Tenancy;
  /** The chart values, before serialisation. */
  public readonly values: LokiValues & StorageSafetyValues;
  /** The chart values as the release receives them. */
  public readonly valuesYaml: string;
  /** Namespace of the release. */
  public readonly namespace: string;
  /** Service account every Loki component runs as. */
  public readonly serviceAccountName: string;
  /** The tenant that receives logs and owns the rules. */
  public readonly tenant: string;
  /** The distributor's push URL. */
  public readonly pushUrl: string;
  /** The URL Grafana queries. */
  public readonly queryUrl: string;
  /** The plan-time check of the deployed StatefulSets against what the release wants, on the release's preconditions. */
  public readonly guard: InPlaceGuard;
  /** The lookup of the namespace the chart writes its dashboards to, when that is not the release's own. */
  public readonly dashboardNamespace?: DataKubernetesResources;

  constructor(scope: Construct, id: string, props: LokiReleaseProps) {
    super(scope, id);
    const settings = resolveLokiReleaseProps(props);
    const { names, tenancy } = settings;
    this.settings = settings;
    this.names = names;
    this.tenancy = tenancy;
    this.namespace = names.namespace;
    this.serviceAccountName = names.serviceAccountName;
    this.tenant = tenancy.tenant;
    this.pushUrl = names.pushUrl;
    this.queryUrl = names.queryUrl;

    this.values = buildLokiValues(settings);
    this.valuesYaml = lokiValuesYaml(this.values);

    // Changes Kubernetes cannot apply in place stop `cdktf diff`, before Helm starts them: volume claims, the ingester
    // layout, and what a chart upgrade changes on StatefulSets and Services the release runs.
    const zones = statefulSetNames(names.fullname).ingesterZones;
    const runsZones = settings.zoneAwareReplication;
    const changing = immutablesChanging(settings.chart, names.fullname);
    const onlyRun = (name: string) => runsZones || !zones.some((zone) => name.startsWith(zone));
    this.guard = new InPlaceGuard(this, "InPlaceGuard", {
      namespace: names.namespace,
      releaseName: names.releaseName,
      desired: {
        fullname: names.fullname,
        ingester: { size: settings.ingesterVolumeSize, storageClass: settings.storageClass },
        compactor: { size: settings.compactorVolumeSize, storageClass: settings.storageClass },
        zoneAwareReplication: settings.zoneAwareReplication,
        zoneMigration: settings.zoneMigrationStage !== undefined,
        chart: {
          version: settings.chart.version,
          namespace: names.namespace,
          immutables: settings.chart.immutables(names.fullname),
          changing: { statefulSets: changing.statefulSets.filter(onlyRun), services: changing.services.filter(onlyRun) },
        },
      },
      noBundledMinio: settings.storage.mode === "minio-release" && settings.storage.transition === undefined,
    });

    // The chart writes its dashboards into Grafana's namespace; a namespace that does not exist would fail the
    // install and roll back the whole release after Helm's timeout, so the plan checks it first.
    const preconditions = [...this.guard.preconditions];
    const { monitoring } = settings;
    if (monitoring.dashboards && monitoring.dashboardNamespace !== names.namespace) {
      this.dashboardNamespace = new DataKubernetesResources(this, "DashboardNamespace", {
        apiVersion: "v1",
        kind: "Namespace",
        fieldSelector: `metadata.name=${monitoring.dashboardNamespace}`,
      });
      preconditions.push(dashboardNamespaceCheck(this.dashboardNamespace, monitoring.dashboardNamespace));
    }
    // The stack's own plan-time checks: NetworkPolicies enforced, the credentials Secrets you named present.
    preconditions.push(...settings.preconditions);

    this.resource = new Release(this, "Resource", {
      name: names.releaseName,
      chart: settings.chart.name,
      repository: settings.chartRepository,
      version: settings.chart.version,
      namespace: names.namespace,
      createNamespace: true,
      // A failed install or upgrade rolls back instead of leaving a half-applied release.
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: settings.helmTimeoutSeconds,
      maxHistory: settings.helmMaxHistory,
      values: [this.valuesYaml],
      // The canary's password goes to its Secret (the release's extraObjects) with set_sensitive: never in the values,
      // which stay readable in `cdktf diff`, and base64, as a Secret's data is (no template text left for the chart's tpl).
      setSensitive: settings.gatewayAuth ? [{ name: CANARY_PASSWORD_SETTING, value: Fn.base64encode(settings.gatewayAuth.canaryPassword), type: "string" }] : undefined,
      dependsOn: settings.dependsOn.length > 0 ? [...settings.dependsOn] : undefined,
      lifecycle: { precondition: preconditions },
    });
  }
}
