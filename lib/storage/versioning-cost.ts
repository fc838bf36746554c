/**
 * Share of the retention period that deleted chunks may live on as noncurrent versions by default. Versioning keeps
 * every chunk the compactor deletes for that long, so the chunks bucket holds (retention + noncurrent days) of
 * data: at most 1.25x the storage of the retention alone.
 */
export const NONCURRENT_SHARE_OF_RETENTION = 0.25;

/**
 * The default `noncurrentVersionExpirationDays`: a quarter of the retention, rounded down, at least one day.
 * At the default retention of 31 days that is 7 days (about 1.23x the storage).
 */
export function defaultNoncurrentVersionExpirationDays(retentionDays: number): number {
  return Math.max(1, Math.floor(retentionDays * NONCURRENT_SHARE_OF_RETENTION));
}

/**
 * How many times the storage of the retention alone the chunks bucket holds once it is steady: the current chunks
 * of `retentionDays`, plus the deleted ones kept as noncurrent versions for `noncurrentDays`.
 */
export function versioningStorageMultiplier(retentionDays: number, noncurrentDays: number): number {
  return (retentionDays + noncurrentDays) / retentionDays;
}
