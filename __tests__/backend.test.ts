import { Testing } from "cdktf";
import { LokiStack } from "../lib/loki-stack";
import { LokiStackProps } from "../lib/settings";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// MinIO with a kubeconfig needs nothing from AWS, so the stacks synthesize without lookups.
const base: LokiStackProps = { clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" } };

function terraformBlock(stack: LokiStack): Json {
  return JSON.parse(Testing.synth(stack)).terraform;
}

describe("S3 backend with a bucket configured", () => {
  const app = Testing.app();
  const backend = { bucket: "acme-terraform-state" };
  const minio = terraformBlock(new LokiStack(app, "loki-minio", { ...base, backend }));
  const s3 = terraformBlock(new LokiStack(app, "loki-s3", { ...base, region: "eu-west-1", backend }));

  test("given a bucket, then each stack writes an S3 backend with S3-native locking and encryption", () => {
    for (const terraform of [minio, s3]) {
      expect(Object.keys(terraform.backend)).toEqual(["s3"]);
      expect(terraform.backend.s3).toMatchObject({ bucket: "acme-terraform-state", use_lockfile: true, encrypt: true });
    }
  });

  test("given no key, then each stack gets its own state key loki/<stack id>.tfstate", () => {
    expect(minio.backend.s3.key).toBe("loki/loki-minio.tfstate");
    expect(s3.backend.s3.key).toBe("loki/loki-s3.tfstate");
    expect(minio.backend.s3.key).not.toBe(s3.backend.s3.key);
  });

  test("given no backend region, then the state lives in the stack's region", () => {
    expect(minio.backend.s3.region).toBe("ap-northeast-1");
    expect(s3.backend.s3.region).toBe("eu-west-1");
  });

  test("given locking in S3, then no DynamoDB lock table is configured", () => {
    expect(minio.backend.s3).not.toHaveProperty("dynamodb_table");
  });
});

describe("S3 backend with an explicit key and region", () => {
  test("given a key and a region, then both are honoured", () => {
    const stack = new LokiStack(Testing.app(), "loki-minio", {
      ...base,
      backend: { bucket: "acme-terraform-state", key: "platform/logging/loki.tfstate", region: "us-east-1" },
    });
    expect(terraformBlock(stack).backend.s3).toMatchObject({
      bucket: "acme-terraform-state",
      key: "platform/logging/loki.tfstate",
      region: "us-east-1",
      use_lockfile: true,
      encrypt: true,
    });
  });
});

describe("Local backend without a bucket", () => {
  test("given no backend, then state is local, at a relative path named after the stack", () => {
    const terraform = terraformBlock(new LokiStack(Testing.app(), "loki-minio", base));
    expect(Object.keys(terraform.backend)).toEqual(["local"]);
    expect(terraform.backend.local.path).toBe("terraform.loki-minio.tfstate");
    expect(terraform.backend.local.path.startsWith("/")).toBe(false);
  });
});

describe("Backend validation", () => {
  test.each(["Acme_State", "ab", "state..bucket", "192.168.1.1"])("fails when backend.bucket is %p, naming backend.bucket", (bucket) => {
    expect(() => new LokiStack(Testing.app(), "loki-minio", { ...base, backend: { bucket } })).toThrow(/^backend\.bucket must be/);
  });

  test("fails when backend.key starts with a slash, naming backend.key", () => {
    expect(() => new LokiStack(Testing.app(), "loki-minio", { ...base, backend: { bucket: "acme-terraform-state", key: "/loki.tfstate" } })).toThrow(
      /^backend\.key must be/,
    );
  });

  test("fails when backend.region is not a region code, naming backend.region", () => {
    expect(() => new LokiStack(Testing.app(), "loki-minio", { ...base, backend: { bucket: "acme-terraform-state", region: "Tokyo" } })).toThrow(
      /^backend\.region must be/,
    );
  });
});
