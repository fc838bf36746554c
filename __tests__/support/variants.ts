/**
 * Every example stack plus the variants that change what gets synthesized: the stacks the
 * HCL export and the policy documents are checked on.
 */
import { ENVIRONMENTS } from "../../environments";
import { LokiStackProps } from "../../lib";

const S3_REFERENCE = ENVIRONMENTS["loki-s3"];

/** [description, stack id, props]: the example environments, then one option each on the S3 reference. */
export const VARIANTS: readonly (readonly [string, string, LokiStackProps])[] = [
  ...Object.entries(ENVIRONMENTS).map(([id, props]) => [id, id, props] as const),
  ["loki-s3 with SSE-KMS (created key)", "loki-s3", { ...S3_REFERENCE, encryption: "SSE-KMS" }],
  [
    "loki-s3 with SSE-KMS (existing key)",
    "loki-s3",
    { ...S3_REFERENCE, kmsKeyArn: "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
  ],
  ["loki-s3 with a single bucket", "loki-s3", { ...S3_REFERENCE, rulerBucketName: undefined, singleBucket: true }],
  ["loki-s3 with EKS Pod Identity", "loki-s3", { ...S3_REFERENCE, identity: "pod-identity" }],
  ["loki-s3 with a new OIDC provider", "loki-s3", { ...S3_REFERENCE, createOidcProvider: true }],
  ["loki-s3 for production", "loki-s3", { ...S3_REFERENCE, size: "production" }],
  ["loki-s3 with a tenant", "loki-s3", { ...S3_REFERENCE, tenant: "team-a" }],
  [
    "loki-s3 with S3 state and a kubeconfig",
    "loki-s3",
    { ...S3_REFERENCE, backend: { bucket: "acme-terraform-state-apne1" }, kubeconfig: { path: "~/.kube/config", context: "reference" } },
  ],
  ["loki-minio with a tenant", "loki-minio", { ...ENVIRONMENTS["loki-minio"], tenant: "team-a" }],
  // The seed's chart version, still selectable: its stacks are checked like the default's.
  ["loki-s3 on chart 6.29.0", "loki-s3", { ...S3_REFERENCE, chartVersion: "6.29.0" }],
  ["loki-minio on chart 6.29.0 (the bundled MinIO)", "loki-minio", { ...ENVIRONMENTS["loki-minio"], chartVersion: "6.29.0" }],
];
