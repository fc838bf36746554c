import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { PolicyStatement } from "../core/iam-policy";
import { ResolvedS3Storage } from "../settings";
import { LogBucket } from "./log-bucket";

/** Properties of the Loki buckets. */
export interface LogBucketsProps {
  /** Resolved S3 storage settings. */
  readonly storage: ResolvedS3Storage;
}

/** The S3 actions Loki needs on its buckets, and nothing else. */
export const BUCKET_READ_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation"] as const;
/** The S3 actions Loki needs on its objects. */
export const OBJECT_READ_WRITE_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] as const;
/** The KMS actions Loki needs on the bucket key with SSE-KMS. */
export const KMS_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] as const;

/**
 * Loki's object storage: a chunks bucket and a ruler bucket (or one shared bucket),
 * with an optional KMS key.
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 */
export class LogBuckets extends Construct {
  /** Chunks and index bucket. */
  public readonly chunks: LogBucket;
  /** Ruler bucket; the chunks bucket itself with `singleBucket`. */
  public readonly ruler: LogBucket;
  /** Every distinct bucket. */
  public readonly buckets: readonly LogBucket[];
  /** ARN of the KMS key with SSE-KMS, created or given. */
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: LogBucketsProps) {
    super(scope, id);
    const { storage } = props;

    if (storage.encryption === "SSE-KMS") {
      if (storage.kmsKeyArn !== undefined) {
        this.kmsKeyArn = storage.kmsKeyArn;
      } else {
        const key = new KmsKey(this, "Key", {
          description: `Loki log storage (${storage.chunksBucketName})`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          lifecycle: { preventDestroy: !storage.allowDestroy },
        });
        key.overrideLogicalId("loki_logs");
        this.kmsKeyArn = key.arn;
      }
    }

    const common = {
      kmsKeyArn: this.kmsKeyArn,
      noncurrentVersionExpirationDays: storage.noncurrentVersionExpirationDays,
      abortIncompleteMultipartUploadDays: storage.abortIncompleteMultipartUploadDays,
      allowDestroy: storage.allowDestroy,
    };
    this.chunks = new LogBucket(this, "Chunks", {
      ...common,
      bucketName: storage.chunksBucketName,
      logicalId: "loki_chunks",
      expirationDays: storage.chunksExpirationDays,
    });
    this.ruler = storage.singleBucket
      ? this.chunks
      : new LogBucket(this, "Ruler", { ...common, bucketName: storage.rulerBucketName, logicalId: "loki_ruler" });
    this.buckets = storage.singleBucket ? [this.chunks] : [this.chunks, this.ruler];
  }

  /**
   * The least-privilege statements that let Loki read and write its buckets:
   * list on the buckets, object get/put/delete on their contents, and the key's KMS actions with SSE-KMS.
   */
  public grantReadWrite(): PolicyStatement[] {
    const statements: PolicyStatement[] = [
      { Sid: "ListLokiBuckets", Effect: "Allow", Action: [...BUCKET_READ_ACTIONS], Resource: this.buckets.map((b) => b.bucketArn) },
      {
        Sid: "ReadWriteLokiObjects",
        Effect: "Allow",
        Action: [...OBJECT_READ_WRITE_ACTIONS],
        Resource: this.buckets.map((b) => `${b.bucketArn}/*`),
      },
    ];
    if (this.kmsKeyArn !== undefined) {
      statements.push({ Sid: "UseLokiBucketKey", Effect: "Allow", Action: [...KMS_ACTIONS], Resource: [this.kmsKeyArn] });
    }
    return statements;
  }
}
