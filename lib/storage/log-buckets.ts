import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { IGrantee } from "../core/iam-policy";
import { check, checkBucketName, checkInteger, checkKmsKeyArn, ConfigError, isToken } from "../core/validation";
import { LogBucket } from "./log-bucket";

/** Default server-side encryption of the buckets. */
export type BucketEncryption = "SSE-S3" | "SSE-KMS";

/** Properties of the Loki buckets. Setting names match the stack's, so messages name what the user wrote. */
export interface LogBucketsProps {
  /** Chunks bucket name. */
  readonly chunksBucketName: string;
  /** Ruler bucket name; required unless `singleBucket`. */
  readonly rulerBucketName?: string;
  /** Keep chunks and ruler data in one bucket, as the reference setup did. @default false */
  readonly singleBucket?: boolean;
  /** Default bucket encryption. @default "SSE-KMS" with `kmsKeyArn`, else "SSE-S3" */
  readonly encryption?: BucketEncryption;
  /** Existing KMS key for SSE-KMS; without it a key is created. @default a new key */
  readonly kmsKeyArn?: string;
  /** Days before noncurrent object versions expire; LokiStack passes a quarter of its retention (defaultNoncurrentVersionExpirationDays). @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days before incomplete multipart uploads are aborted. @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /** Backstop expiration of chunks-bucket objects, in days. @default none */
  readonly chunksExpirationDays?: number;
  /** Allow `cdktf destroy` to delete the buckets and their data. Only for throwaway environments. @default false */
  readonly allowDestroy?: boolean;
}

/** The buckets' props with every default applied, validated. */
export interface ResolvedLogBucketsProps {
  readonly chunksBucketName: string;
  /** Equal to chunksBucketName with a single bucket. */
  readonly rulerBucketName: string;
  readonly singleBucket: boolean;
  readonly encryption: BucketEncryption;
  readonly kmsKeyArn?: string;
  readonly noncurrentVersionExpirationDays: number;
  readonly abortIncompleteMultipartUploadDays: number;
  readonly chunksExpirationDays?: number;
  readonly allowDestroy: boolean;
}

/**
 * Applies the defaults to the buckets' props and validates them. Throws a ConfigError that names the setting.
 * @param prefix prepended to setting names in messages
 */
export function resolveLogBucketsProps(props: LogBucketsProps, prefix = ""): ResolvedLogBucketsProps {
  const singleBucket = props.singleBucket ?? false;
  const chunksBucketName = props.chunksBucketName;
  checkBucketName(`${prefix}chunksBucketName`, chunksBucketName);
  if (singleBucket && props.rulerBucketName !== undefined) {
    throw new ConfigError(`${prefix}rulerBucketName`, props.rulerBucketName, "unset with singleBucket: true", "ruler data shares the chunks bucket");
  }
  const rulerBucketName = singleBucket ? chunksBucketName : (props.rulerBucketName as string);
  check(singleBucket || rulerBucketName !== undefined, `${prefix}rulerBucketName`, rulerBucketName, "a bucket name unless singleBucket is true");
  checkBucketName(`${prefix}rulerBucketName`, rulerBucketName);
  check(
    singleBucket || rulerBucketName !== chunksBucketName || isToken(rulerBucketName),
    `${prefix}rulerBucketName`,
    rulerBucketName,
    "different from chunksBucketName",
    "set singleBucket: true to share one bucket",
  );

  const encryption = props.encryption ?? (props.kmsKeyArn !== undefined ? "SSE-KMS" : "SSE-S3");
  check(encryption === "SSE-S3" || encryption === "SSE-KMS", `${prefix}encryption`, encryption, '"SSE-S3" or "SSE-KMS"');
  if (props.kmsKeyArn !== undefined) {
    checkKmsKeyArn(`${prefix}kmsKeyArn`, props.kmsKeyArn);
    check(encryption === "SSE-KMS", `${prefix}encryption`, encryption, '"SSE-KMS" when kmsKeyArn is set');
  }

  const noncurrentVersionExpirationDays = props.noncurrentVersionExpirationDays ?? 30;
  checkInteger(`${prefix}noncurrentVersionExpirationDays`, noncurrentVersionExpirationDays, 1);
  const abortIncompleteMultipartUploadDays = props.abortIncompleteMultipartUploadDays ?? 7;
  checkInteger(`${prefix}abortIncompleteMultipartUploadDays`, abortIncompleteMultipartUploadDays, 1);
  if (props.chunksExpirationDays !== undefined) checkInteger(`${prefix}chunksExpirationDays`, props.chunksExpirationDays, 1);

  return {
    chunksBucketName,
    rulerBucketName,
    singleBucket,
    encryption,
    kmsKeyArn: props.kmsKeyArn,
    noncurrentVersionExpirationDays,
    abortIncompleteMultipartUploadDays,
    chunksExpirationDays: props.chunksExpirationDays,
    allowDestroy: props.allowDestroy ?? false,
  };
}

/** The S3 actions Loki needs on its buckets, and nothing else. */
export const BUCKET_READ_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation"] as const;
/** The S3 actions Loki needs on its objects. */
export const OBJECT_READ_WRITE_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] as const;
/** The KMS actions Loki needs on the bucket key with SSE-KMS. */
export const KMS_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] as const;

/**
 * Loki's object storage: a chunks bucket and a ruler bucket (or one shared bucket),
 * with an optional KMS key. It validates its own props (resolveLogBucketsProps).
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 */
export class LogBuckets extends Construct {
  /** The props with every default applied. */
  public readonly settings: ResolvedLogBucketsProps;
  /** Chunks and index bucket. */
  public readonly chunks: LogBucket;
  /** Ruler bucket; the chunks bucket itself with `singleBucket`. */
  public readonly ruler: LogBucket;
  /** Every distinct bucket. */
  public readonly buckets: readonly LogBucket[];
  /** The KMS key the stack created for SSE-KMS; absent with SSE-S3 or an existing key. */
  public readonly kmsKey?: KmsKey;
  /** ARN of the KMS key with SSE-KMS, created or given. */
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: LogBucketsProps) {
    super(scope, id);
    const storage = resolveLogBucketsProps(props);
    this.settings = storage;

    if (storage.encryption === "SSE-KMS") {
      if (storage.kmsKeyArn !== undefined) {
        this.kmsKeyArn = storage.kmsKeyArn;
      } else {
        this.kmsKey = new KmsKey(this, "Key", {
          description: `Loki log storage (${storage.chunksBucketName})`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          lifecycle: { preventDestroy: !storage.allowDestroy },
        });
        this.kmsKeyArn = this.kmsKey.arn;
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
      expirationDays: storage.chunksExpirationDays,
    });
    this.ruler = storage.singleBucket ? this.chunks : new LogBucket(this, "Ruler", { ...common, bucketName: storage.rulerBucketName });
    this.buckets = storage.singleBucket ? [this.chunks] : [this.chunks, this.ruler];
  }

  /**
   * Lets a grantee read and write Loki's data, with least privilege: list on the buckets, object
   * get/put/delete on their contents, and, with SSE-KMS, the key's own grant.
   */
  public grantReadWrite(grantee: IGrantee): void {
    grantee.addToPolicy({ Sid: "ListLokiBuckets", Effect: "Allow", Action: [...BUCKET_READ_ACTIONS], Resource: this.buckets.map((b) => b.bucketArn) });
    grantee.addToPolicy({
      Sid: "ReadWriteLokiObjects",
      Effect: "Allow",
      Action: [...OBJECT_READ_WRITE_ACTIONS],
      Resource: this.buckets.map((b) => `${b.bucketArn}/*`),
    });
    this.grantKeyEncryptDecrypt(grantee);
  }

  /** Lets a grantee encrypt and decrypt with the buckets' KMS key; nothing with SSE-S3. */
  public grantKeyEncryptDecrypt(grantee: IGrantee): void {
    if (this.kmsKeyArn === undefined) return;
    grantee.addToPolicy({ Sid: "UseLokiBucketKey", Effect: "Allow", Action: [...KMS_ACTIONS], Resource: [this.kmsKeyArn] });
  }
}
