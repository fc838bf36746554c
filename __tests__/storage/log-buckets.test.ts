import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { PolicyStatement } from "../../lib/core/iam-policy";
import { BUCKET_READ_ACTIONS, KMS_ACTIONS, LogBuckets, LogBucketsProps, OBJECT_READ_WRITE_ACTIONS } from "../../lib/storage/log-buckets";
import { Json } from "../support/json";
import { policyDocument, synthPart } from "../support/synth";

/** The buckets' props as the stack maps them: the expiration backstop is the default 31-day retention plus 30 days. */
const PROPS: LogBucketsProps = { chunksBucketName: "acme-loki-chunks", rulerBucketName: "acme-loki-ruler", chunksExpirationDays: 61 };

function synth(props: Partial<LogBucketsProps> = {}): { json: Json; synthesized: string; buckets: LogBuckets } {
  let buckets!: LogBuckets;
  const synthesized = synthPart((scope) => {
    buckets = new LogBuckets(scope, "LogBuckets", { ...PROPS, ...props });
  });
  return { json: JSON.parse(synthesized), synthesized, buckets };
}

/** What the buckets grant: the statements a grantee receives from grantReadWrite. */
function granted(buckets: LogBuckets): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  buckets.grantReadWrite({ addToPolicy: (statement) => statements.push(statement) });
  return statements;
}

const resources = (json: Json, type: string): Json[] => Object.values(json.resource?.[type] ?? {});

describe("LogBuckets defaults", () => {
  const { json, synthesized } = synth();

  test("matches the snapshot", () => {
    expect(synthesized).toMatchSnapshot();
  });

  test("given defaults, then a chunks and a ruler bucket at pinned addresses, protected from destroy", () => {
    expect(Object.keys(json.resource.aws_s3_bucket).sort()).toEqual(["loki_chunks", "loki_ruler"]);
    expect(json.resource.aws_s3_bucket.loki_chunks).toMatchObject({ bucket: "acme-loki-chunks", force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(json.resource.aws_s3_bucket.loki_ruler).toMatchObject({ bucket: "acme-loki-ruler", force_destroy: false, lifecycle: { prevent_destroy: true } });
  });

  test("given defaults, then each bucket is versioned", () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, {
      bucket: "${aws_s3_bucket.loki_chunks.id}",
      versioning_configuration: { status: "Enabled" },
    });
    expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, {
      bucket: "${aws_s3_bucket.loki_ruler.id}",
      versioning_configuration: { status: "Enabled" },
    });
  });

  test("given defaults, then ACLs are disabled with BucketOwnerEnforced", () => {
    const rules = resources(json, "aws_s3_bucket_ownership_controls").map((r) => r.rule.object_ownership);
    expect(rules).toEqual(["BucketOwnerEnforced", "BucketOwnerEnforced"]);
    expect(synthesized).toHaveResourceWithProperties(S3BucketOwnershipControls, { bucket: "${aws_s3_bucket.loki_ruler.id}" });
  });

  test("given defaults, then both buckets use SSE-S3", () => {
    const encryption = resources(json, "aws_s3_bucket_server_side_encryption_configuration");
    expect(encryption).toHaveLength(2);
    for (const e of encryption) {
      expect(e.rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: "AES256" });
    }
    expect(synthesized).not.toHaveResource(KmsKey);
  });

  test("given defaults, then all four public access block flags are on", () => {
    for (const bucket of ["loki_chunks", "loki_ruler"]) {
      expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
        bucket: `\${aws_s3_bucket.${bucket}.id}`,
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
  });

  test("given defaults, then each bucket policy denies every request without TLS", () => {
    const policies = resources(json, "aws_s3_bucket_policy");
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      const doc = policyDocument(p.policy);
      const bucket = /aws_s3_bucket\.(\w+)\.id/.exec(p.bucket)?.[1];
      expect(doc.Statement).toEqual([
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: ["s3:*"],
          Resource: [`\${aws_s3_bucket.${bucket}.arn}`, `\${aws_s3_bucket.${bucket}.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
      expect(p.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\./)]);
    }
    expect(synthesized).toHaveResourceWithProperties(S3BucketPolicy, { bucket: "${aws_s3_bucket.loki_chunks.id}" });
  });

  test("given defaults, then lifecycle aborts multipart uploads, expires noncurrent versions, and backstops retention on chunks only", () => {
    const byBucket = Object.fromEntries(resources(json, "aws_s3_bucket_lifecycle_configuration").map((l) => [l.bucket, l.rule]));
    const chunks = byBucket["${aws_s3_bucket.loki_chunks.id}"];
    const ruler = byBucket["${aws_s3_bucket.loki_ruler.id}"];
    for (const rules of [chunks, ruler]) {
      expect(rules).toContainEqual(
        expect.objectContaining({ status: "Enabled", abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }),
      );
      expect(rules).toContainEqual(expect.objectContaining({ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 30 }] }));
    }
    expect(chunks).toContainEqual(expect.objectContaining({ status: "Enabled", expiration: [{ days: 61 }] }));
    expect(ruler.some((r: Json) => r.expiration)).toBe(false);
    expect(synthesized).toHaveResource(S3BucketLifecycleConfiguration);
  });
});

describe("LogBuckets options", () => {
  test("given a single bucket, then only the chunks bucket exists and grants name it once", () => {
    const { json, buckets } = synth({ singleBucket: true, rulerBucketName: undefined });
    expect(Object.keys(json.resource.aws_s3_bucket)).toEqual(["loki_chunks"]);
    expect(buckets.ruler).toBe(buckets.chunks);
    expect(granted(buckets)[0].Resource).toHaveLength(1);
  });

  test("given SSE-KMS without a key, then a rotating key is created and used with bucket keys", () => {
    const { json, synthesized } = synth({ encryption: "SSE-KMS" });
    expect(synthesized).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    expect(Object.keys(json.resource.aws_kms_key)).toEqual(["loki_logs"]);
    for (const e of resources(json, "aws_s3_bucket_server_side_encryption_configuration")) {
      expect(e.rule[0]).toEqual({
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.loki_logs.arn}" },
        bucket_key_enabled: true,
      });
    }
  });

  test("given a KMS key ARN, then no key is created and that key encrypts the buckets", () => {
    const arn = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const { json, synthesized, buckets } = synth({ kmsKeyArn: arn });
    expect(synthesized).not.toHaveResource(KmsKey);
    expect(resources(json, "aws_s3_bucket_server_side_encryption_configuration")[0].rule[0].apply_server_side_encryption_by_default.kms_master_key_id).toBe(arn);
    expect(granted(buckets)).toContainEqual({ Sid: "UseLokiBucketKey", Effect: "Allow", Action: [...KMS_ACTIONS], Resource: [arn] });
  });

  test("given allowDestroy, then Terraform may delete the buckets and their objects", () => {
    const { json } = synth({ allowDestroy: true });
    for (const b of Object.values(json.resource.aws_s3_bucket) as Json[]) {
      expect(b.force_destroy).toBe(true);
      expect(b.lifecycle?.prevent_destroy ?? false).toBe(false);
    }
  });
});

describe("LogBuckets.grantReadWrite", () => {
  test("given two buckets, then list on the buckets and get/put/delete on their objects, nothing else", () => {
    const { buckets } = synth();
    const statements = granted(buckets);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatchObject({ Effect: "Allow", Action: [...BUCKET_READ_ACTIONS] });
    expect(statements[0].Resource).toEqual([buckets.chunks.bucketArn, buckets.ruler.bucketArn]);
    expect(statements[1]).toMatchObject({ Effect: "Allow", Action: [...OBJECT_READ_WRITE_ACTIONS] });
    expect(statements[1].Resource).toEqual([`${buckets.chunks.bucketArn}/*`, `${buckets.ruler.bucketArn}/*`]);
    expect(OBJECT_READ_WRITE_ACTIONS).toEqual(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
    expect(BUCKET_READ_ACTIONS).toEqual(["s3:ListBucket", "s3:GetBucketLocation"]);
  });

  test("given the synthesized bucket resources, then no statement uses a wildcard", () => {
    const { buckets } = synth({ encryption: "SSE-KMS" });
    for (const s of granted(buckets)) {
      expect(s.Action.some((a) => a.includes("*"))).toBe(false);
      expect(s.Resource?.some((r) => r === "*")).toBe(false);
    }
  });
});

describe("LogBuckets validation", () => {
  test.each<[Partial<LogBucketsProps>, RegExp]>([
    [{ chunksBucketName: "Loki_Chunks" }, /^chunksBucketName must be an S3 bucket name/],
    [{ chunksBucketName: "chunks" }, /^chunksBucketName must be a bucket name of your own/],
    [{ rulerBucketName: undefined }, /^rulerBucketName must be a bucket name unless singleBucket is true \(got nothing\)/],
    [{ singleBucket: true }, /^rulerBucketName must be unset with singleBucket: true/],
    [{ rulerBucketName: "acme-loki-chunks" }, /^rulerBucketName must be different from chunksBucketName/],
    [{ encryption: "SSE-C" as never }, /^encryption must be "SSE-S3" or "SSE-KMS"/],
    [{ kmsKeyArn: "alias/loki" }, /^kmsKeyArn must be a KMS key ARN/],
    [{ kmsKeyArn: "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", encryption: "SSE-S3" }, /^encryption must be "SSE-KMS" when kmsKeyArn is set/],
    [{ noncurrentVersionExpirationDays: 0 }, /^noncurrentVersionExpirationDays must be a whole number >= 1/],
    [{ abortIncompleteMultipartUploadDays: 1.5 }, /^abortIncompleteMultipartUploadDays must be a whole number >= 1/],
    [{ chunksExpirationDays: -1 }, /^chunksExpirationDays must be a whole number >= 1/],
  ])("fails on its own, before any resource exists, with %j", (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
