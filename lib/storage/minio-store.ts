import { Release } from "@cdktf/provider-helm/lib/release";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { Document } from "yaml";
import { check, checkDnsLabel, checkDnsSubdomain, checkQuantity } from "../core/validation";

/**
 * The MinIO chart both Loki charts bundle (`minio` 5.4.0 from charts.min.io), installed as a release of its own for
 * trying Loki out without S3: chart 17.0 and later refuse the bundled one, and the Loki chart announced its removal.
 * @see https://github.com/minio/minio/tree/RELEASE.2024-12-18T13-15-44Z/helm/minio
 */
export const MINIO_CHART = {
  name: "minio",
  repository: "https://charts.min.io/",
  version: "5.4.0",
  /** The chart's own pinned images, stated so the pin is visible here. */
  image: { repository: "quay.io/minio/minio", tag: "RELEASE.2024-12-18T13-15-44Z" },
  mcImage: { repository: "quay.io/minio/mc", tag: "RELEASE.2024-11-21T17-21-54Z" },
  /** Port of the MinIO API Service. */
  port: 9000,
} as const;

/** The buckets the store creates for Loki: its own names, not the chart placeholders `chunks` and `ruler`. */
export const MINIO_STORE_BUCKETS = { chunks: "loki-chunks", ruler: "loki-ruler" } as const;
/** Keys of the access key and secret key in the MinIO chart's Secret (`<fullname>`), which Loki reads them from. */
export const MINIO_CREDENTIAL_KEYS = { accessKeyId: "rootUser", secretAccessKey: "rootPassword" } as const;

/** Requests and limits of MinIO and of its bucket job, which the chart otherwise runs with 16Gi (MinIO) or no limit. */
const MINIO_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } } as const;
const JOB_RESOURCES = { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } } as const;

/** Properties of the MinIO store. */
export interface MinioStoreProps {
  /** Namespace of the release: the Loki release's, so only Loki's namespace holds its data. */
  readonly namespace: string;
  /** Helm release name; the chart names its objects after it (it contains "minio", so the release name itself). */
  readonly releaseName: string;
  /** Storage class of MinIO's two volumes. @default the cluster's default class */
  readonly storageClass?: string;
  /** Size of each of MinIO's two volumes (erasure coding over two drives keeps half of it usable). @default "10Gi" */
  readonly volumeSize?: string;
  /** Helm timeout, in seconds. @default 600 */
  readonly helmTimeoutSeconds?: number;
  /** Resources the release waits for, such as the storage class. @default none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** The MinIO chart values this store sets. Every key exists in the chart's values.yaml. */
export interface MinioValues {
  readonly image: { readonly repository: string; readonly tag: string };
  readonly mcImage: { readonly repository: string; readonly tag: string };
  readonly mode: "distributed";
  readonly replicas: 1;
  readonly drivesPerNode: 2;
  readonly rootUser: "";
  readonly rootPassword: "";
  readonly persistence: { readonly enabled: true; readonly size: string; readonly storageClass?: string };
  readonly resources: typeof MINIO_RESOURCES;
  readonly users: readonly never[];
  readonly policies: readonly never[];
  readonly svcaccts: readonly never[];
  readonly buckets: readonly { readonly name: string; readonly policy: "none"; readonly purge: false }[];
  readonly makeBucketJob: { readonly resources: typeof JOB_RESOURCES };
  readonly serviceAccount: { readonly create: true; readonly name: string };
}

/**
 * The MinIO chart values: the layout of the MinIO the Loki charts bundle (one pod, two drives, so its volumes are
 * claims of a StatefulSet, kept when the release goes), its own pinned images, bounded resources, the two Loki buckets,
 * and root credentials the chart generates into its Secret on the first install and keeps on upgrades (it reads them
 * back with `lookup`): no password in Terraform state, and none of the chart's example users.
 * @see https://github.com/minio/minio/blob/RELEASE.2024-12-18T13-15-44Z/helm/minio/values.yaml
 */
export function minioValues(props: { readonly fullname: string; readonly storageClass?: string; readonly volumeSize: string }): MinioValues {
  return {
    image: { ...MINIO_CHART.image },
    mcImage: { ...MINIO_CHART.mcImage },
    mode: "distributed",
    replicas: 1,
    drivesPerNode: 2,
    rootUser: "",
    rootPassword: "",
    persistence: { enabled: true, size: props.volumeSize, ...(props.storageClass !== undefined ? { storageClass: props.storageClass } : {}) },
    resources: MINIO_RESOURCES,
    // The chart's defaults add a `console` user with a known password.
    users: [],
    policies: [],
    svcaccts: [],
    buckets: [MINIO_STORE_BUCKETS.chunks, MINIO_STORE_BUCKETS.ruler].map((name) => ({ name, policy: "none" as const, purge: false as const })),
    makeBucketJob: { resources: JOB_RESOURCES },
    // The chart's default account name, minio-sa, is fixed: the bundled MinIO of the Loki chart creates one of that
    // name in the same namespace, which would clash while both run (minioTransition).
    serviceAccount: { create: true, name: props.fullname },
  };
}

/** The MinIO chart's `minio.fullname` helper: the release name when it contains "minio", else `<release>-minio`. */
export function minioFullname(releaseName: string): string {
  const full = releaseName.includes(MINIO_CHART.name) ? releaseName : `${releaseName}-${MINIO_CHART.name}`;
  return full.slice(0, 63).replace(/-+$/, "");
}

/** Host and port of the MinIO API Service of a release's `fullname`, inside the cluster. */
export function minioEndpoint(fullname: string, namespace: string): string {
  return `${fullname}.${namespace}.svc.cluster.local:${MINIO_CHART.port}`;
}

/**
 * An S3-compatible object store for trying Loki out: one `helm_release` of the MinIO chart in Loki's namespace, with
 * the two buckets Loki writes to. It hands the Loki release its endpoint, bucket names and the Secret that holds the
 * credentials, by name: the credentials themselves never pass through Terraform. It validates its own props.
 */
export class MinioStore extends Construct {
  /** The Helm release. */
  public readonly resource: Release;
  /** The chart values. */
  public readonly values: MinioValues;
  /** The values as the release receives them. */
  public readonly valuesYaml: string;
  /** The chart's name for every object: StatefulSet, Service, Secret. */
  public readonly fullname: string;
  /** Host and port of the MinIO API Service inside the cluster. */
  public readonly endpoint: string;
  /** Buckets for Loki's chunks and ruler data. */
  public readonly chunksBucketName: string;
  public readonly rulerBucketName: string;
  /** The Secret holding the access key (`rootUser`) and secret key (`rootPassword`). */
  public readonly credentialsSecretName: string;

  constructor(scope: Construct, id: string, props: MinioStoreProps) {
    super(scope, id);
    checkDnsLabel("namespace", props.namespace);
    checkDnsLabel("releaseName of the MinIO store", props.releaseName, 53);
    if (props.storageClass !== undefined) checkDnsSubdomain("storageClass", props.storageClass);
    const volumeSize = props.volumeSize ?? "10Gi";
    checkQuantity("volumeSize", volumeSize);
    const helmTimeoutSeconds = props.helmTimeoutSeconds ?? 600;
    check(Number.isInteger(helmTimeoutSeconds) && helmTimeoutSeconds >= 60, "helmTimeoutSeconds", helmTimeoutSeconds, "a whole number of seconds, at least 60");

    this.fullname = minioFullname(props.releaseName);
    this.endpoint = minioEndpoint(this.fullname, props.namespace);
    this.chunksBucketName = MINIO_STORE_BUCKETS.chunks;
    this.rulerBucketName = MINIO_STORE_BUCKETS.ruler;
    this.credentialsSecretName = this.fullname;
    this.values = minioValues({ fullname: this.fullname, storageClass: props.storageClass, volumeSize });
    // YAML 1.1, as Helm reads it: strings it would read as something else are quoted.
    this.valuesYaml = new Document(this.values, { version: "1.1" }).toString({ lineWidth: 0 });

    this.resource = new Release(this, "Resource", {
      name: props.releaseName,
      chart: MINIO_CHART.name,
      repository: MINIO_CHART.repository,
      version: MINIO_CHART.version,
      namespace: props.namespace,
      createNamespace: true,
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: helmTimeoutSeconds,
      values: [this.valuesYaml],
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? [...props.dependsOn] : undefined,
    });
  }
}
