import { ConfigError } from "../../lib/core/validation";
import { quantityBytes } from "../../lib/core/quantity";
import { LokiObjectStorage, LokiReleaseProps, resolveLokiReleaseProps } from "../../lib/loki/loki-props";
import { walSafety, withWalSafety, zoneMigrationValues, REPLAY_MEMORY_SHARE } from "../../lib/loki/storage-safety";
import { buildLokiValues } from "../../lib/loki/values";

/** S3 storage with the bucket names a stack for cluster prod-eks defaults to. */
const S3: LokiObjectStorage = { mode: "s3", region: "ap-northeast-1", chunksBucketName: "prod-eks-loki-chunks", rulerBucketName: "prod-eks-loki-ruler" };

/** Values from the release's own props (S3, reference size). */
function values(props: Partial<LokiReleaseProps> = {}) {
  return buildLokiValues(resolveLokiReleaseProps({ storage: S3, ...props }));
}

describe("WAL safety", () => {
  const v = values();

  test("given the ingester's memory limit, then the WAL replay stops at 75% of it and flushes on shutdown", () => {
    const limit = quantityBytes(v.ingester.resources.limits.memory);
    const ceiling = walSafety(v.ingester.resources.limits.memory).replayMemoryCeilingBytes;
    expect(v.loki.ingester.wal).toEqual({ enabled: true, flush_on_shutdown: true, replay_memory_ceiling: `${ceiling / 1024 ** 3}GB` });
    expect(ceiling).toBeLessThan(limit);
    expect(ceiling).toBeGreaterThan(limit * REPLAY_MEMORY_SHARE - 1024 ** 2);
    // The 4 Gi limit of the reference values: 3 GiB, below Loki's default of 4 GB that would be killed mid-replay.
    // Loki's byte sizes take KB, MB, GB (powers of 1024); "3072MiB" is refused at startup.
    expect(v.loki.ingester.wal.replay_memory_ceiling).toBe("3GB");
  });

  test("given another ingester memory limit in the final values, then the ceiling and the grace period follow it", () => {
    const bigger = values({ valuesOverrides: { ingester: { resources: { limits: { memory: "8Gi" } } } } });
    expect(bigger.loki.ingester.wal.replay_memory_ceiling).toBe("6GB");
    expect(bigger.ingester.terminationGracePeriodSeconds).toBe(60 + 512);
    const smaller = values({ valuesOverrides: { ingester: { resources: { limits: { memory: "2Gi" } } } } });
    expect(smaller.loki.ingester.wal.replay_memory_ceiling).toBe("1536MB");
  });

  test("given the reference limit, then an ingester gets long enough to flush a full limit of chunks, never less than the chart's 300 s", () => {
    // 4 Gi at 16 MiB/s is 256 s, plus a minute to leave the ring.
    expect(v.ingester.terminationGracePeriodSeconds).toBe(316);
    expect(walSafety("512Mi").terminationGracePeriodSeconds).toBe(300);
  });

  test("given a longer grace period through valuesOverrides, then it is kept", () => {
    expect(values({ valuesOverrides: { ingester: { terminationGracePeriodSeconds: 900 } } }).ingester.terminationGracePeriodSeconds).toBe(900);
  });

  test("given other WAL keys through valuesOverrides, then they are kept next to the derived ones", () => {
    const v2 = values({ valuesOverrides: { loki: { ingester: { wal: { checkpoint_duration: "10m" } } } } });
    expect(v2.loki.ingester.wal).toMatchObject({ checkpoint_duration: "10m", flush_on_shutdown: true, replay_memory_ceiling: "3GB" });
  });

  test("fails on an ingester memory limit that is no byte quantity, naming it, when the release's props are resolved", () => {
    const bad = { valuesOverrides: { ingester: { resources: { limits: { memory: "lots" } } } } };
    expect(() => resolveLokiReleaseProps({ storage: S3, ...bad })).toThrow(ConfigError);
    expect(() => resolveLokiReleaseProps({ storage: S3, ...bad })).toThrow(
      /^ingester memory limit \(ingester\.resources\.limits\.memory\) must be a whole-byte Kubernetes quantity/,
    );
  });

  test("fails on final values whose ingester memory limit is no byte quantity, naming it", () => {
    expect(() => withWalSafety({ ingester: { resources: { limits: { memory: "250m" } } } })).toThrow(
      /^ingester memory limit \(ingester\.resources\.limits\.memory\) must be a whole-byte Kubernetes quantity such as "4Gi" \(got "250m"\)/,
    );
  });
});

describe("rollouts", () => {
  test("given the production preset, then zone awareness is off (Grafana's AWS guide) and the rollout-operator with it", () => {
    const v = values({ size: "production" });
    expect(v.ingester.zoneAwareReplication.enabled).toBe(false);
    expect(v.rollout_operator).toEqual({ enabled: false });
  });

  test("given zone awareness on, then the rollout-operator restarts one zone at a time", () => {
    const v = values({ size: "production", zoneAwareReplication: true });
    expect(v.ingester.zoneAwareReplication.enabled).toBe(true);
    expect(v.rollout_operator).toEqual({ enabled: true });
  });

  test("given more than one ingester, then the chart's disruption budget is configured (maxUnavailable 1, within what RF 3 tolerates)", () => {
    for (const props of [{ size: "production" as const }, { size: "production" as const, zoneAwareReplication: true }]) {
      const v = values(props);
      expect(v.ingester.replicas).toBeGreaterThan(1);
      // Chart 6.29.0 renders <fullname>-ingester (or <fullname>-ingester-rollout with zones) from ingester.maxUnavailable
      // and fails the render without it; every other multi-replica component has its own budget.
      expect(v.ingester.maxUnavailable).toBe(1);
      expect(v.loki.commonConfig.replication_factor - (v.ingester.maxUnavailable ?? 0)).toBeGreaterThanOrEqual(Math.floor(v.loki.commonConfig.replication_factor / 2) + 1);
      for (const c of ["distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway"] as const) expect(v[c].maxUnavailable).toBe(1);
    }
  });

  test("given no migration, then the chart's migration values are all off", () => {
    expect(values().ingester.zoneAwareReplication.migration).toEqual({ enabled: false, writePath: false, readPath: false, excludeDefaultZone: false });
  });

  test.each([
    ["start", { enabled: true, writePath: false, readPath: false, excludeDefaultZone: false }],
    ["writes", { enabled: true, writePath: true, readPath: false, excludeDefaultZone: false }],
    ["reads", { enabled: true, writePath: true, readPath: true, excludeDefaultZone: false }],
    ["exclude-default-zone", { enabled: true, writePath: true, readPath: true, excludeDefaultZone: true }],
  ] as const)("given zoneMigrationStage %s, then every stage up to it is on", (stage, expected) => {
    expect(zoneMigrationValues(stage)).toEqual(expected);
    expect(values({ size: "production", zoneAwareReplication: true, zoneMigrationStage: stage }).ingester.zoneAwareReplication.migration).toEqual(expected);
  });
});

describe("the release's own checks of zoneMigrationStage", () => {
  test.each([
    ["a stage that does not exist", { size: "production", zoneAwareReplication: true, zoneMigrationStage: "finish" as never }, /"start", "writes", "reads", "exclude-default-zone"/],
    ["a stage without zone awareness", { size: "production", zoneMigrationStage: "start" }, /unset while zoneAwareReplication is false/],
  ] as const)("fails on %s, naming zoneMigrationStage", (_name, props, expected) => {
    expect(() => resolveLokiReleaseProps({ storage: S3, ...props })).toThrow(ConfigError);
    expect(() => resolveLokiReleaseProps({ storage: S3, ...props })).toThrow(/^zoneMigrationStage must be /);
    expect(() => resolveLokiReleaseProps({ storage: S3, ...props })).toThrow(expected);
  });
});
