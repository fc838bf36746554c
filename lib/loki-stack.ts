import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { FluentBit } from "./fluent-bit/fluent-bit";
import { LokiDatasource } from "./grafana/loki-datasource";
import { EksCluster } from "./identity/eks-cluster";
import { LokiRole } from "./identity/loki-role";
import { LokiRelease } from "./loki/loki-release";
import { deriveNames, Names } from "./names";
import { LokiStackProps, resolveSettings, ResolvedSettings } from "./settings";
import { LogBuckets } from "./storage/log-buckets";
import { addLokiVolumes, LokiVolumes } from "./storage/loki-volumes";

/** Kubernetes API access shared by the Kubernetes and Helm providers. */
interface KubeAccess {
  readonly configPath?: string;
  readonly configContext?: string;
  readonly host?: string;
  readonly clusterCaCertificate?: string;
  readonly exec?: { readonly apiVersion: string; readonly command: string; readonly args: string[] };
}

/**
 * The whole Loki-on-EKS platform in one stack: S3 storage, the IAM role Loki assumes,
 * the Loki Helm release, the Fluent Bit agent and the Grafana data source.
 * Providers and the backend live here and nowhere else.
 */
export class LokiStack extends TerraformStack {
  /** Every setting with its default applied. */
  public readonly settings: ResolvedSettings;
  /** The names the components share. */
  public readonly names: Names;
  /** The looked-up EKS cluster; absent with a kubeconfig and MinIO, which need nothing from AWS. */
  public readonly cluster?: EksCluster;
  /** Loki's buckets (S3 mode only). */
  public readonly buckets?: LogBuckets;
  /** The role Loki assumes (S3 mode only). */
  public readonly role?: LokiRole;
  /** The Loki Helm release. */
  public readonly loki: LokiRelease;
  /** The gp3 StorageClass and the plan-time guard of changes Kubernetes cannot apply in place. */
  public readonly volumes: LokiVolumes;
  /** The Fluent Bit agent; absent when `fluentBit.enabled` is false. */
  public readonly fluentBit?: FluentBit;
  /** The Grafana data source ConfigMap; absent when `grafana.enabled` is false. */
  public readonly grafanaDatasource?: LokiDatasource;

  constructor(scope: Construct, id: string, props: LokiStackProps) {
    super(scope, id);
    // Validate everything before creating a single resource.
    const settings = resolveSettings(props, id);
    const names = deriveNames(settings);
    this.settings = settings;
    this.names = names;

    if (settings.backend) {
      new S3Backend(this, { bucket: settings.backend.bucket, key: settings.backend.key, region: settings.backend.region, encrypt: true });
      // S3-native state locking (terraform >= 1.10); cdktf 0.21's S3Backend has no typed field for it.
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    } else {
      // A relative path keeps the synthesized JSON the same on every machine.
      new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    }

    new AwsProvider(this, "Aws", { region: settings.region, defaultTags: [{ tags: { ...settings.tags } }] });

    if (!settings.kubeconfig || settings.storage.mode === "s3") {
      this.cluster = new EksCluster(this, "Cluster", { clusterName: settings.clusterName });
    }
    const access = kubeAccess(settings, this.cluster);
    new KubernetesProvider(this, "Kubernetes", { ...access, exec: access.exec ? [access.exec] : undefined });
    new HelmProvider(this, "Helm", { kubernetes: access });

    if (settings.storage.mode === "s3" && this.cluster) {
      this.buckets = new LogBuckets(this, "LogBuckets", { storage: settings.storage });
      this.role = new LokiRole(this, "LokiRole", {
        cluster: this.cluster,
        names,
        buckets: this.buckets,
        mode: settings.storage.identity,
        createOidcProvider: settings.storage.createOidcProvider,
      });

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

    this.loki = new LokiRelease(this, "Loki", { settings, names, buckets: this.buckets, role: this.role });
    this.volumes = addLokiVolumes(this, settings, names, this.loki.resource);
    new TerraformOutput(this, "push_url", { value: this.loki.pushUrl, description: "Loki distributor push URL, inside the cluster" });
    new TerraformOutput(this, "query_url", { value: this.loki.queryUrl, description: "Loki query URL for Grafana (the query-frontend), inside the cluster" });

    if (settings.fluentBit.enabled) {
      this.fluentBit = new FluentBit(this, "FluentBit", { settings: settings.fluentBit, names });
    }

    if (settings.grafana.enabled) {
      this.grafanaDatasource = new LokiDatasource(this, "GrafanaDatasource", { settings: settings.grafana, names });
    }
  }
}

/** How both Kubernetes-facing providers reach the cluster: a kubeconfig, or the EKS API. */
function kubeAccess(settings: ResolvedSettings, cluster: EksCluster | undefined): KubeAccess {
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
