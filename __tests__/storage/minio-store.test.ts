/**
 * MinIO mode on a chart that refuses its bundled MinIO (18.11.0): a MinIO release of its own, and the Loki values that
 * point at it; and the move of a stack off the bundled MinIO, as the chart documents it.
 */
import { Release } from "@cdktf/provider-helm/lib/release";
import { parse } from "yaml";
import { ConfigError } from "../../lib/core/validation";
import { LokiStackProps } from "../../lib/loki-stack-props";
import { MINIO_CREDENTIAL_ENV, MINIO_RELEASE_STORE } from "../../lib/loki/values";
import { MINIO_CHART, MinioStore, minioFullname } from "../../lib/storage/minio-store";
import { chartValuesFile, unknownKeys } from "../support/chart-values";
import { Json } from "../support/json";
import { synthPart, synthStack } from "../support/synth";

const MINIO_STACK: LokiStackProps = { clusterName: "loki-sandbox", storage: "minio", chartVersion: "18.11.0" };
const valuesOf = (release: Json): Json => parse(String(release.values[0]).replace(/\$\$\{/g, "${"), { version: "1.1" }) as Json;

describe("MinioStore on its own", () => {
  let store!: MinioStore;
  const synthesized = synthPart((scope) => {
    store = new MinioStore(scope, "MinioStore", { namespace: "loki", releaseName: "loki-minio-store", storageClass: "loki-gp3" });
  });
  const release = (JSON.parse(synthesized) as Json).resource.helm_release.loki_minio_store as Json;
  const values = valuesOf(release);

  test("given its props, then one pinned release of the MinIO chart both Loki charts bundle, in Loki's namespace, at its pinned address", () => {
    expect(synthesized).toHaveResourceWithProperties(Release, {
      name: "loki-minio-store",
      chart: "minio",
      repository: "https://charts.min.io/",
      version: "5.4.0",
      namespace: "loki",
      atomic: true,
      cleanup_on_fail: true,
    });
    expect(MINIO_CHART.version).toBe("5.4.0");
  });

  test("given its values, then the bundled layout (one pod, two drives on claims of a StatefulSet), pinned images, bounded resources and the two Loki buckets", () => {
    expect(values).toMatchObject({ mode: "distributed", replicas: 1, drivesPerNode: 2 });
    expect(values.image.tag).toMatch(/^RELEASE\.\d{4}-\d{2}-\d{2}T/);
    expect(values.mcImage.tag).toMatch(/^RELEASE\.\d{4}-\d{2}-\d{2}T/);
    expect(values.persistence).toEqual({ enabled: true, size: "10Gi", storageClass: "loki-gp3" });
    expect(Object.keys(values.resources.limits).sort()).toEqual(["cpu", "memory"]);
    expect(values.buckets.map((b: Json) => b.name)).toEqual(["loki-chunks", "loki-ruler"]);
  });

  test("given its values, then no known password: root credentials are the chart's own, generated and kept in its Secret, and none of its example users", () => {
    expect(values.rootUser).toBe("");
    expect(values.rootPassword).toBe("");
    expect(values.users).toEqual([]);
    expect(String(release.values[0])).not.toMatch(/secretKey|accessKey/);
    expect(store.credentialsSecretName).toBe("loki-minio-store");
  });

  test("given its values, then its account has a name of its own: the bundled MinIO's fixed minio-sa would clash in the same namespace", () => {
    expect(values.serviceAccount).toEqual({ create: true, name: "loki-minio-store" });
  });

  test("given every key it sets, then the MinIO chart's values.yaml has it", () => {
    expect(unknownKeys(values, chartValuesFile("minio-5.4.0-values.yaml"))).toEqual([]);
  });

  test("given the chart's naming rule, then the endpoint is the API Service of the release", () => {
    expect(store.endpoint).toBe("loki-minio-store.loki.svc.cluster.local:9000");
    expect(minioFullname("store")).toBe("store-minio");
  });

  test.each<[string, object, RegExp]>([
    ["a namespace that is no DNS label", { namespace: "Loki" }, /^namespace must be a DNS-1123 label/],
    ["a volume size in disk-vendor units", { volumeSize: "10GB" }, /^volumeSize must be a Kubernetes quantity/],
  ])("fails on %s", (_name, props, message) => {
    expect(() => synthPart((scope) => new MinioStore(scope, "MinioStore", { namespace: "loki", releaseName: "loki-minio-store", ...props }))).toThrow(message);
  });
});

describe("a new MinIO stack on chart 18.11.0", () => {
  const { json, stack } = synthStack(MINIO_STACK);
  const loki = json.resource.helm_release.loki as Json;
  const minio = json.resource.helm_release.loki_minio_store as Json;
  const values = valuesOf(loki);

  test("given MinIO mode, then the MinIO release is a release of its own that Loki waits for, on the stack's storage class", () => {
    expect(stack.minioStore).toBeInstanceOf(MinioStore);
    expect(loki.depends_on).toContain("helm_release.loki_minio_store");
    expect(minio.depends_on).toEqual(["kubernetes_storage_class_v1.loki_gp3"]);
    expect(valuesOf(minio).persistence.storageClass).toBe("loki-gp3");
  });

  test("given MinIO mode, then the chart's bundled MinIO stays off and the deprecation is never overridden", () => {
    expect(values.minio).toEqual({ enabled: false });
    expect(values).not.toHaveProperty("ignoreMinioDeprecation");
  });

  test("given MinIO mode, then Loki stores in the release's buckets through its Service, path-style over plain HTTP inside the cluster", () => {
    expect(values.loki.storage).toEqual({
      type: "s3",
      bucketNames: { chunks: "loki-chunks", ruler: "loki-ruler" },
      s3: {
        endpoint: "loki-minio-store.loki.svc.cluster.local:9000",
        s3ForcePathStyle: true,
        insecure: true,
        accessKeyId: `\${${MINIO_CREDENTIAL_ENV.accessKeyId}}`,
        secretAccessKey: `\${${MINIO_CREDENTIAL_ENV.secretAccessKey}}`,
      },
    });
    expect(values.loki.schemaConfig.configs).toHaveLength(1);
  });

  test("given MinIO mode, then Loki's pods read the keys from the release's Secret, never from Terraform", () => {
    expect(values.defaults.extraEnv).toEqual([
      { name: "LOKI_S3_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "loki-minio-store", key: "rootUser" } } },
      { name: "LOKI_S3_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "loki-minio-store", key: "rootPassword" } } },
    ]);
  });

  test("given MinIO mode, then nothing of AWS is created", () => {
    expect(json.resource.aws_s3_bucket).toBeUndefined();
    expect(json.resource.aws_iam_role).toBeUndefined();
  });
});

describe("the move of a MinIO stack off the bundled MinIO (chart 18.11.0's documented transition)", () => {
  const during = valuesOf(synthStack({ ...MINIO_STACK, minioTransition: { newStoreFrom: "2027-01-15" } }).json.resource.helm_release.loki as Json);
  const after = valuesOf(synthStack({ ...MINIO_STACK, minioTransition: { newStoreFrom: "2027-01-15", keepBundledMinio: false } }).json.resource.helm_release.loki as Json);

  test("given the transition, then the bundled MinIO keeps running as before (so logs written there stay readable), with the chart's override for exactly that", () => {
    expect(during.ignoreMinioDeprecation).toBe(true);
    expect(during.minio).toEqual({ enabled: true, resources: expect.any(Object), persistence: { storageClass: "loki-gp3" } });
    // Loki's common storage stays the bundled MinIO, which the chart wires itself.
    expect(during.loki.storage).toEqual({ type: "s3" });
  });

  test("given the transition, then new logs go to the MinIO release from its day on: a schema period appended, the existing one untouched", () => {
    for (const values of [during, after]) {
      expect(values.loki.schemaConfig.configs).toEqual([
        { from: "2024-04-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "loki_index_", period: "24h" } },
        { from: "2027-01-15", store: "tsdb", object_store: MINIO_RELEASE_STORE, schema: "v13", index: { prefix: "loki_index_", period: "24h" } },
      ]);
      expect(values.loki.structuredConfig.storage_config.named_stores.aws[MINIO_RELEASE_STORE]).toMatchObject({
        endpoint: "loki-minio-store.loki.svc.cluster.local:9000",
        bucketnames: "loki-chunks",
        s3forcepathstyle: true,
      });
    }
  });

  test("given the retention has passed and the bundled MinIO goes, then no override is left and the common storage is the MinIO release", () => {
    expect(after).not.toHaveProperty("ignoreMinioDeprecation");
    expect(after.minio).toEqual({ enabled: false });
    expect(after.loki.storage.s3.endpoint).toBe("loki-minio-store.loki.svc.cluster.local:9000");
  });
});

describe("MinIO mode settings that cannot work", () => {
  test.each<[string, LokiStackProps, string, RegExp]>([
    ["a transition on chart 6.29.0, which runs MinIO bundled", { ...MINIO_STACK, chartVersion: "6.29.0", minioTransition: { newStoreFrom: "2027-01-15" } }, "minioTransition", /unset with chart 6\.29\.0/],
    ["a transition with S3 storage", { clusterName: "c", minioTransition: { newStoreFrom: "2027-01-15" } }, "minioTransition", /unset with storage "s3"/],
    ["a transition day that is no date", { ...MINIO_STACK, minioTransition: { newStoreFrom: "next week" } }, "minioTransition.newStoreFrom", /a day \(YYYY-MM-DD, UTC\) after the schema's 2024-04-01/],
    ["a transition day before the schema's", { ...MINIO_STACK, minioTransition: { newStoreFrom: "2024-01-01" } }, "minioTransition.newStoreFrom", /after the schema's 2024-04-01/],
    ["a release name too long for the MinIO release's", { ...MINIO_STACK, releaseName: `loki-${"a".repeat(40)}` }, "releaseName", /at most 41 characters with storage "minio"/],
  ])("fails on %s", (_name, props, setting, message) => {
    let error: unknown;
    try {
      synthStack(props);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(setting);
    expect((error as ConfigError).message).toMatch(message);
  });
});
