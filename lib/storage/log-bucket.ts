import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { policyJson } from "../core/iam-policy";

/** Properties of one Loki bucket. */
export interface LogBucketProps {
  /** Bucket name. */
  readonly bucketName: string;
  /** KMS key ARN for SSE-KMS. @default SSE-S3 (AES256) */
  readonly kmsKeyArn?: string;
  /** Days before noncurrent versions expire. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days before incomplete multipart uploads are aborted. */
  readonly abortIncompleteMultipartUploadDays: number;
  /** Backstop expiration of current objects, in days. @default none */
  readonly expirationDays?: number;
  /** Let Terraform destroy the bucket and everything in it. */
  readonly allowDestroy: boolean;
}

/**
 * One private, versioned, encrypted, TLS-only S3 bucket with lifecycle rules.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
 */
export class LogBucket extends Construct {
  /** The bucket. */
  public readonly resource: S3Bucket;
  /** Bucket name. */
  public readonly bucketName: string;
  /** Bucket ARN. */
  public readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: LogBucketProps) {
    super(scope, id);

    this.resource = new S3Bucket(this, "Resource", {
      bucket: props.bucketName,
      forceDestroy: props.allowDestroy,
      lifecycle: { preventDestroy: !props.allowDestroy },
    });
    this.bucketName = this.resource.bucket;
    this.bucketArn = this.resource.arn;
    const bucket = this.resource.id;

    new S3BucketVersioningA(this, "Versioning", {
      bucket,
      versioningConfiguration: { status: "Enabled" },
    });

    // ACLs off: the bucket owner owns every object, and only policies grant access.
    new S3BucketOwnershipControls(this, "Ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });

    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          // S3 Bucket Keys cut KMS requests (and cost) by orders of magnitude.
          bucketKeyEnabled: props.kmsKeyArn !== undefined,
        },
      ],
    });

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketPolicy(this, "Policy", {
      bucket,
      policy: policyJson([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: ["s3:*"],
          Resource: [this.bucketArn, `${this.bucketArn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
      // S3 rejects a bucket policy while the public access block is still being applied.
      dependsOn: [publicAccessBlock],
    });

    const rules: S3BucketLifecycleConfigurationRule[] = [
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: [{ prefix: "" }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteMultipartUploadDays }],
      },
      {
        // Versioning keeps deleted chunks as noncurrent versions; without this they pile up forever.
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: [{ prefix: "" }],
        noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }],
      },
    ];
    if (props.expirationDays !== undefined) {
      rules.push({
        // A backstop behind Loki's own retention, in case the compactor stops deleting.
        id: "expire-beyond-retention",
        status: "Enabled",
        filter: [{ prefix: "" }],
        expiration: [{ days: props.expirationDays }],
      });
    }
    new S3BucketLifecycleConfiguration(this, "Lifecycle", { bucket, rule: rules });
  }
}
