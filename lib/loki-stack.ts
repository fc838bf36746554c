import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Fn, LocalBackend, S3Backend, TerraformElement, TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { Construct, Node } from "constructs";
import { stringify } from "yaml";
import { TenantCredentials } from "./access/credentials";
import { PolicyEnforcementCheck } from "./access/network-policies";
import { FluentBit } from "./fluent-bit/fluent-bit";
import { LokiDatasource } from "./grafana/loki-datasource";
import { EksCluster } from "./identity/eks-cluster";
import { LokiRole } from "./identity/loki-role";
import { LokiRelease } from "./loki/loki-release";
import { Names } from "./loki/names";
import { releaseRequests } from "./loki/release-requests";
import { Tenancy } from "./loki/tenancy";
import { LokiStackProps, LokiStackSettings, resolveLokiStackProps, withTenantSecrets } from "./loki-stack-props";
import { PlatformMonitoring, terraformLiteral } from "./monitoring/monitoring";
import { RULE_FILE_HELM_UPGRADE_OUTPUT, RULE_FILE_VALUES_OUTPUT } from "./monitoring/rule-file";
import { LogBuckets } from "./storage/log-buckets";
import { MinioStore } from "./storage/minio-store";
import { LokiStorageClass } from "./volumes/storage-class";

/**
 * The Terraform addresses that hold state, pinned here and nowhere else: construct path inside the stack, and the
 * Terraform name it keeps. A refactor that moves a construct updates the path here and keeps the name; a changed
 * name is a destroy and recreate in `cdktf diff` (for the buckets, of every log).
 */
export const PINNED_ADDRESSES: Readonly<Record<string, string>> = {
  /** `aws_s3_bucket.loki_chunks` */
  "LogBuckets/Chunks/Resource": "loki_chunks",
  /** `aws_s3_bucket.loki_ruler` */
  "LogBuckets/Ruler/Resource": "loki_ruler",
  /** `aws_kms_key.loki_logs` */
  "LogBuckets/Key": "loki_logs",
  /** `aws_iam_role.loki` */
  "LokiRole/Resource": "loki",
  /** `local.loki_oidc_issuer_host` */
  "LokiRole/OidcIssuerHost": "loki_oidc_issuer_host",
  /** `data.kubernetes_resources.loki_dashboard_namespace`: Grafana's namespace, checked before the chart writes dashboards there. */
  "Loki/DashboardNamespace": "loki_dashboard_namespace",
  /** `helm_release.loki`: a new address would uninstall and reinstall Loki. */
  "Loki/Resource": "loki",
  /** `kubernetes_config_map_v1.loki_grafana_datasource` */
  "GrafanaDatasource/Resource": "loki_grafana_datasource",
  /** `kubernetes_storage_class_v1.loki_gp3`: a new address would delete the class every Loki claim names. */
  "StorageClass/Resource": "loki_gp3",
  /** `data.kubernetes_resources.loki_ebs_csi_driver`: the EBS CSI driver check. */
  "StorageClass/Driver": "loki_ebs_csi_driver",
  /** `data.kubernetes_resources.loki_statefulsets`: the release's StatefulSets, read by the in-place guard. */
  "Loki/InPlaceGuard/StatefulSets": "loki_statefulsets",
  /** `data.kubernetes_resources.loki_services`: the release's Services, read by the in-place guard (cluster IPs of a chart upgrade). */
  "Loki/InPlaceGuard/Services": "loki_services",
  /** `kubernetes_manifest.fluent_bit_pod_monitor` */
  "Monitoring/FluentBitPodMonitor": "fluent_bit_pod_monitor",
  /** `kubernetes_manifest.loki_platform_rules` */
  "Monitoring/PrometheusRule": "loki_platform_rules",
  /** `kubernetes_config_map_v1.fluent_bit_dashboard` */
  "Monitoring/FluentBitDashboard": "fluent_bit_dashboard",
  /** `kubernetes_config_map_v1.loki_dashboard`: the Loki dashboard of the standalone prometheus chart. */
  "Monitoring/LokiDashboard": "loki_dashboard",
  /** `kubernetes_config_map_v1.loki_platform_rule_file`: the platform's rule file, in the standalone Prometheus' namespace. */
  "Monitoring/PrometheusRuleFile": "loki_platform_rule_file",
  /** `helm_release.loki_minio_store`: MinIO mode on chart 18.11.0; a new address would uninstall it with its buckets. */
  "MinioStore/Resource": "loki_minio_store",
  /** `data.kubernetes_resources.loki_bundled_minio`: the bundled MinIO, read by the in-place guard in MinIO mode on chart 18.11.0. */
  "Loki/InPlaceGuard/BundledMinio": "loki_bundled_minio",
  /** `data.kubernetes_resources.loki_vpc_cni`: the VPC CNI's DaemonSet, read by the NetworkPolicy enforcement check. */
  "PolicyEnforcement/VpcCni": "loki_vpc_cni",
  /** `data.kubernetes_resources.loki_vpc_cni_config`: the VPC CNI's ConfigMap, read by the NetworkPolicy enforcement check. */
  "PolicyEnforcement/VpcCniConfig": "loki_vpc_cni_config",
  /** `kubernetes_network_policy_v1.fluent_bit`: the agents' NetworkPolicy. */
  "FluentBit/NetworkPolicy": "fluent_bit",
  /** `kubernetes_secret_v1.fluent_bit_loki_credentials`: the tenants' passwords the agents read (several tenants). */
  "FluentBit/Credentials": "fluent_bit_loki_credentials",
  /** `kubernetes_secret_v1.loki_grafana_datasources`: one data source per tenant (several tenants). */
  "GrafanaDatasource/Secret": "loki_grafana_datasources",
};

/**
 * Terraform names of the elements there is one of per tenant, keyed by the tenant's name: a tenant's password must
 * survive adding and removing other tenants, and a new name for it would be a new password for every reader.
 */
const PINNED_TENANT_ADDRESSES: readonly { readonly path: RegExp; readonly name: (tenant: string) => string }[] = [
  /** `random_password.loki_tenant_<tenant>`: a generated password and its bcrypt hash. */
  { path: /^TenantCredentials\/([a-z0-9-]+)\/Password$/, name: (tenant) => `loki_tenant_${tenant}` },
  /** `data.kubernetes_resources.loki_tenant_<tenant>_secret`: a credentials Secret you named. */
  { path: /^TenantCredentials\/([a-z0-9-]+)\/Secret$/, name: (tenant) => `loki_tenant_${tenant}_secret` },
];

/** The pinned Terraform name of an element of a stack, from PINNED_ADDRESSES; undefined when it has none. */
export function pinnedAddress(stack: TerraformStack, element: TerraformElement | Node): string | undefined {
  const node = TerraformElement.isTerraformElement(element) ? element.node : element;
  const path = node.scopes
    .slice(node.scopes.indexOf(stack) + 1)
    .map((scope) => scope.node.id)
    .join("/");
  if (PINNED_ADDRESSES[path] !== undefined) return PINNED_ADDRESSES[path];
  for (const pinned of PINNED_TENANT_ADDRESSES) {
    const match = pinned.path.exec(path);
    if (match) return pinned.name(match[1]);
  }
  return undefined;
}

/** Kubernetes API access shared by the Kubernetes and Helm providers. */
interface KubeAccess {
  readonly configPath?: string;
  readonly configContext?: string;
  readonly host?: string;
  readonly clusterCaCertificate?: string;
  readonly exec?: { readonly apiVersion: string; readonly command: string; readonly args: string[] };
}

/**
 * The whole Loki-on-EKS platform in one stack: S3 storage, the IAM role Loki assumes, the gp3 StorageClass,
 * the Loki Helm release, the Fluent Bit agent, the Grafana data source and the platform's own monitoring.
 * Providers and the backend live here and nowhere else.
 */
export class LokiStack extends TerraformStack {
  /** The props mapped onto each part, with every default applied. */
  public readonly settings: LokiStackSettings;
  /** The names the components share. */
  public readonly names: Names;
  /** Auth and the tenant that receives logs. */
  public readonly tenancy: Tenancy;
  /** The looked-up EKS cluster; absent with a kubeconfig and MinIO, which need nothing from AWS. */
  public readonly cluster?: EksCluster;
  /** Loki's buckets (S3 mode only). */
  public readonly buckets?: LogBuckets;
  /** The MinIO release Loki stores in (MinIO mode on a chart that refuses its bundled MinIO). */
  public readonly minioStore?: MinioStore;
  /** The role Loki assumes (S3 mode only). */
  public readonly role?: LokiRole;
  /** The gp3 StorageClass every Loki claim names; absent when `storageClass` names an existing class. */
  public readonly storageClass?: LokiStorageClass;
  /** The Loki Helm release, with the plan-time guard of changes Kubernetes cannot apply in place (`loki.guard`). */
  public readonly loki: LokiRelease;
  /** The Fluent Bit agent; absent when `fluentBit.enabled` is false. */
  public readonly fluentBit?: FluentBit;
  /** The Grafana data source ConfigMap; absent when `grafana.enabled` is false. */
  public readonly grafanaDatasource?: LokiDatasource;
  /** The platform's PodMonitor, PrometheusRule and Fluent Bit dashboard. */
  public readonly monitoring: PlatformMonitoring;
  /** Each tenant's credentials (several tenants). */
  public readonly credentials?: TenantCredentials;
  /** The plan-time check that the cluster enforces NetworkPolicies (with the VPC CNI). */
  public readonly policyEnforcement?: PolicyEnforcementCheck;

  constructor(scope: Construct, id: string, props: LokiStackProps) {
    super(scope, id);
    // Validate everything before creating a single resource.
    const checked = resolveLokiStackProps(props, id);
    const { names, tenancy } = checked;
    this.names = names;
    this.tenancy = tenancy;

    if (checked.backend) {
      new S3Backend(this, { bucket: checked.backend.bucket, key: checked.backend.key, region: checked.backend.region, encrypt: true });
      // S3-native state locking (terraform >= 1.10); cdktf 0.21's S3Backend has no typed field for it.
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    } else {
      // A relative path keeps the synthesized JSON the same on every machine.
      new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    }

    new AwsProvider(this, "Aws", { region: checked.region, defaultTags: [{ tags: { ...checked.tags } }] });

    if (!checked.kubeconfig || checked.storage.mode === "s3") {
      this.cluster = new EksCluster(this, "Cluster", { clusterName: checked.clusterName });
    }
    const access = kubeAccess(checked, this.cluster);
    new KubernetesProvider(this, "Kubernetes", { ...access, exec: access.exec ? [access.exec] : undefined });
    new HelmProvider(this, "Helm", { kubernetes: access });

    // Several tenants: each tenant's credentials, which the gateway, the agents, Grafana and the canary read.
    const tenants = checked.access.tenants;
    if (tenants !== undefined) {
      if (tenants.tenants.some((t) => t.credentials.kind === "generated")) new RandomProvider(this, "Random");
      this.credentials = new TenantCredentials(this, "TenantCredentials", { tenants: tenants.tenants });
    }
    const settings = this.credentials ? withTenantSecrets(checked, this.credentials.secrets) : checked;
    this.settings = settings;
    if (checked.access.networkPolicies.enabled && checked.access.networkPolicies.enforcement === "vpc-cni") {
      this.policyEnforcement = new PolicyEnforcementCheck(this, "PolicyEnforcement");
    }
    // Plan-time checks that stop `cdktf diff` before anything changes: named credentials Secrets, policy enforcement.
    const preconditions = [...(this.credentials?.preconditions ?? []), ...(this.policyEnforcement ? [this.policyEnforcement.precondition] : [])];

    if (settings.storage.mode === "s3" && this.cluster) {
      this.buckets = new LogBuckets(this, "LogBuckets", settings.storage.buckets);
      this.role = new LokiRole(this, "LokiRole", { cluster: this.cluster, ...settings.storage.identity });
      this.buckets.grantReadWrite(this.role);

      new TerraformOutput(this, "chunks_bucket_name", { value: this.buckets.chunks.bucketName, description: "S3 bucket holding Loki chunks and index" });
      new TerraformOutput(this, "chunks_bucket_arn", { value: this.buckets.chunks.bucketArn, description: "ARN of the chunks bucket" });
      new TerraformOutput(this, "ruler_bucket_name", { value: this.buckets.ruler.bucketName, description: "S3 bucket holding Loki ruler data (the chunks bucket with singleBucket)" });
      new TerraformOutput(this, "ruler_bucket_arn", { value: this.buckets.ruler.bucketArn, description: "ARN of the ruler bucket" });
      if (this.buckets.kmsKeyArn !== undefined) {
        new TerraformOutput(this, "kms_key_arn", { value: this.buckets.kmsKeyArn, description: "KMS key encrypting the Loki buckets" });
      }
      new TerraformOutput(this, "loki_role_arn", { value: this.role.roleArn, description: "IAM role Loki's service account assumes" });
      if (this.role.oidcProviderArn !== undefined) {
        new TerraformOutput(this, "oidc_provider_arn", { value: this.role.oidcProviderArn, description: "IAM OIDC provider the role's trust policy names (IRSA)" });
      }
    }

    // The gp3 class every Loki claim names, unless storageClass names an existing one; the release waits for it.
    if (settings.storageClass) {
      this.storageClass = new LokiStorageClass(this, "StorageClass", settings.storageClass);
    }

    // MinIO mode on a chart that refuses its bundled MinIO: a MinIO release of its own, on the same storage class.
    if (settings.storage.mode === "minio-release") {
      this.minioStore = new MinioStore(this, "MinioStore", {
        ...settings.storage.store,
        dependsOn: this.storageClass ? [this.storageClass.resource] : [],
      });
    }

    const { buckets, role, minioStore } = this;
    this.loki = new LokiRelease(this, "Loki", {
      ...settings.loki,
      storage: buckets
        ? {
            mode: "s3",
            region: settings.region,
            chunksBucketName: buckets.chunks.bucketName,
            rulerBucketName: buckets.ruler.bucketName,
            kmsKeyArn: buckets.kmsKeyArn,
          }
        : settings.lokiResolved.storage,
      serviceAccountAnnotations: role?.serviceAccountAnnotations,
      preconditions: preconditions.length > 0 ? preconditions : undefined,
      // Every role and bucket resource first: the Pod Identity webhook only serves pods created after their association.
      // Then the storage class, so no claim waits for a class that is not there yet.
      // The MinIO release first too: Loki's pods read its keys from its Secret, and write to its buckets.
      dependsOn: [
        ...[role, buckets].flatMap((c) => (c ? c.node.findAll().filter((n): n is TerraformResource => n instanceof TerraformResource) : [])),
        ...(this.storageClass ? [this.storageClass.resource] : []),
        ...(minioStore ? [minioStore.resource] : []),
      ],
    });
    new TerraformOutput(this, "push_url", { value: this.loki.pushUrl, description: "Loki distributor push URL, inside the cluster" });
    new TerraformOutput(this, "query_url", { value: this.loki.queryUrl, description: "Loki query URL (the query-frontend), inside the cluster; Grafana's data source goes through the gateway" });
    new TerraformOutput(this, "loki_requests", {
      value: releaseRequests(this.loki.values),
      description: "CPU (cores) and memory (GiB) the Loki release requests: every pod it runs once, plus the canary on each node",
    });

    if (settings.fluentBit) {
      this.fluentBit = new FluentBit(this, "FluentBit", settings.fluentBit);
    }

    if (settings.grafana) {
      this.grafanaDatasource = new LokiDatasource(this, "GrafanaDatasource", settings.grafana);
    }

    this.monitoring = new PlatformMonitoring(this, "Monitoring", {
      ...settings.monitoring,
      lokiDependsOn: [this.loki.resource],
      fluentBitDependsOn: this.fluentBit ? [this.fluentBit.resource] : [],
    });
    const { ruleFileValues, ruleFileHelmUpgrade } = this.monitoring;
    if (ruleFileValues !== undefined && ruleFileHelmUpgrade !== undefined) {
      new TerraformOutput(this, RULE_FILE_VALUES_OUTPUT, {
        // Written out (the server's and the reloader's mounts are the same object, which YAML would otherwise alias),
        // as one string literal in an expression: cdktf's HCL writer splits a plain multi-line output over lines.
        value: Fn.tostring(terraformLiteral(stringify(ruleFileValues, { aliasDuplicateObjects: false }))),
        description: "Values for your standalone prometheus release that mount and load the platform's rule file (see prometheus_rule_file_helm_upgrade)",
      });
      new TerraformOutput(this, RULE_FILE_HELM_UPGRADE_OUTPUT, {
        value: ruleFileHelmUpgrade,
        description: "The command that applies prometheus_rule_file_values to your prometheus release, keeping its other values; run it once, from this stack's directory",
      });
    }
  }

  /** Terraform names: the pinned ones from PINNED_ADDRESSES, cdktf's hashed path for everything else. */
  protected allocateLogicalId(element: TerraformElement | Node): string {
    return pinnedAddress(this, element) ?? super.allocateLogicalId(element);
  }
}

/** How both Kubernetes-facing providers reach the cluster: a kubeconfig, or the EKS API. */
function kubeAccess(settings: LokiStackSettings, cluster: EksCluster | undefined): KubeAccess {
  if (settings.kubeconfig || !cluster) {
    return { configPath: settings.kubeconfig?.path, configContext: settings.kubeconfig?.context };
  }
  return {
    host: cluster.endpoint,
    clusterCaCertificate: cluster.certificateAuthority,
    // A fresh token per provider call: a one-shot token expires after 15 minutes, mid-apply.
    exec: {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", settings.clusterName, "--region", settings.region],
    },
  };
}
