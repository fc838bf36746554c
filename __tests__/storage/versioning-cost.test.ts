import { LokiStackSettings, resolveLokiStackProps } from "../../lib/loki-stack-props";
import { resolveLogBucketsProps } from "../../lib/storage/log-buckets";
import { defaultNoncurrentVersionExpirationDays, NONCURRENT_SHARE_OF_RETENTION, versioningStorageMultiplier } from "../../lib/storage/versioning-cost";
import { Json } from "../support/json";
import { many, REFERENCE_PROPS, synthStack } from "../support/synth";

/** The retention in days and the noncurrent expiry the stack hands its buckets. */
function daysOf(settings: LokiStackSettings): { retentionDays: number; noncurrent: number } {
  if (settings.storage.mode !== "s3") throw new Error("expected S3 storage");
  expect(settings.storage.resolvedBuckets.noncurrentVersionExpirationDays).toBe(settings.storage.buckets.noncurrentVersionExpirationDays);
  return { retentionDays: settings.lokiResolved.retentionDays, noncurrent: settings.storage.resolvedBuckets.noncurrentVersionExpirationDays };
}

describe("storage cost of versioning", () => {
  const { retentionDays, noncurrent } = daysOf(resolveLokiStackProps({ clusterName: "prod-eks" }, "test"));

  test("given the default retention of 744h, then deleted chunks live 7 days as noncurrent versions: about 1.23x the storage", () => {
    expect(retentionDays).toBe(31);
    expect(noncurrent).toBe(7);
    expect(versioningStorageMultiplier(retentionDays, noncurrent)).toBeCloseTo(1.226, 3);
  });

  test("given the defaults, then noncurrent expiry is at most 25% of the retention period, so storage stays at or below 1.25x", () => {
    expect(noncurrent).toBeLessThanOrEqual(retentionDays * 0.25);
    expect(versioningStorageMultiplier(retentionDays, noncurrent)).toBeLessThanOrEqual(1.25);
  });

  test.each([1, 7, 30, 31, 90, 365])("given a retention of %d days, then the default expiry keeps the multiplier at or below 1.25x (one day at least)", (days) => {
    const expiry = defaultNoncurrentVersionExpirationDays(days);
    expect(expiry).toBeGreaterThanOrEqual(1);
    if (days >= 1 / NONCURRENT_SHARE_OF_RETENTION) expect(versioningStorageMultiplier(days, expiry)).toBeLessThanOrEqual(1.25);
  });

  test("given a retention of 90 days, then the expiry follows it", () => {
    expect(daysOf(resolveLokiStackProps({ clusterName: "prod-eks", retentionPeriod: "2160h" }, "test")).noncurrent).toBe(22);
  });

  test("given an explicit expiry, then it is kept: the multiplier is a stated choice", () => {
    expect(daysOf(resolveLokiStackProps({ clusterName: "prod-eks", noncurrentVersionExpirationDays: 30 }, "test")).noncurrent).toBe(30);
    expect(versioningStorageMultiplier(31, 30)).toBeCloseTo(1.97, 2);
  });

  test("given the default stack, then every bucket's lifecycle expires noncurrent versions after 7 days", () => {
    const { json } = synthStack(REFERENCE_PROPS);
    const configurations = Object.values<Json>(json.resource.aws_s3_bucket_lifecycle_configuration);
    expect(configurations).toHaveLength(2);
    for (const configuration of configurations) {
      expect(many(configuration.rule)).toContainEqual(expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 7 }] }));
    }
  });

  test("given the buckets on their own, without the stack's retention, then they keep their own fallback of 30 days", () => {
    expect(resolveLogBucketsProps({ chunksBucketName: "acme-chunks", rulerBucketName: "acme-ruler" }).noncurrentVersionExpirationDays).toBe(30);
  });
});
