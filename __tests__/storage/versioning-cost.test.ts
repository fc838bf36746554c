import { resolveSettings } from "../../lib/settings";
import { defaultNoncurrentVersionExpirationDays, NONCURRENT_SHARE_OF_RETENTION, versioningStorageMultiplier } from "../../lib/storage/versioning-cost";

describe("storage cost of versioning", () => {
  const s = resolveSettings({ clusterName: "prod-eks" }, "test");
  const storage = s.storage as { noncurrentVersionExpirationDays: number };

  test("given the default retention of 744h, then deleted chunks live 7 days as noncurrent versions: about 1.23x the storage", () => {
    expect(s.retentionDays).toBe(31);
    expect(storage.noncurrentVersionExpirationDays).toBe(7);
    expect(versioningStorageMultiplier(s.retentionDays, storage.noncurrentVersionExpirationDays)).toBeCloseTo(1.226, 3);
  });

  test("given the defaults, then noncurrent expiry is at most 25% of the retention period, so storage stays at or below 1.25x", () => {
    expect(storage.noncurrentVersionExpirationDays).toBeLessThanOrEqual(s.retentionDays * 0.25);
    expect(versioningStorageMultiplier(s.retentionDays, storage.noncurrentVersionExpirationDays)).toBeLessThanOrEqual(1.25);
  });

  test.each([1, 7, 30, 31, 90, 365])("given a retention of %d days, then the default expiry keeps the multiplier at or below 1.25x (one day at least)", (days) => {
    const noncurrent = defaultNoncurrentVersionExpirationDays(days);
    expect(noncurrent).toBeGreaterThanOrEqual(1);
    if (days >= 1 / NONCURRENT_SHARE_OF_RETENTION) expect(versioningStorageMultiplier(days, noncurrent)).toBeLessThanOrEqual(1.25);
  });

  test("given a retention of 90 days, then the expiry follows it", () => {
    const long = resolveSettings({ clusterName: "prod-eks", retentionPeriod: "2160h" }, "test");
    expect(long.storage).toMatchObject({ noncurrentVersionExpirationDays: 22 });
  });

  test("given an explicit expiry, then it is kept: the multiplier is a stated choice", () => {
    const explicit = resolveSettings({ clusterName: "prod-eks", noncurrentVersionExpirationDays: 30 }, "test");
    expect(explicit.storage).toMatchObject({ noncurrentVersionExpirationDays: 30 });
    expect(versioningStorageMultiplier(31, 30)).toBeCloseTo(1.97, 2);
  });
});
