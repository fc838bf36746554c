import { LokiStackProps } from "../lib/loki-stack-props";
import { Json } from "./support/json";
import { synthStack } from "./support/synth";

// MinIO with a kubeconfig needs nothing from AWS, so the stacks synthesize without lookups.
const base: LokiStackProps = { clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" } };

/** The `terraform` block (backend and providers) of a stack. */
const terraformBlock = (props: LokiStackProps, id: string): Json => synthStack(props, id).json.terraform;

describe("S3 backend with a bucket configured", () => {
  const backend = { bucket: "acme-terraform-state" };
  const minio = terraformBlock({ ...base, backend }, "loki-minio");
  const s3 = terraformBlock({ ...base, region: "eu-west-1", backend }, "loki-s3");

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
    const terraform = terraformBlock({ ...base, backend: { bucket: "acme-terraform-state", key: "platform/logging/loki.tfstate", region: "us-east-1" } }, "loki-minio");
    expect(terraform.backend.s3).toMatchObject({
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
    const terraform = terraformBlock(base, "loki-minio");
    expect(Object.keys(terraform.backend)).toEqual(["local"]);
    expect(terraform.backend.local.path).toBe("terraform.loki-minio.tfstate");
    expect(terraform.backend.local.path.startsWith("/")).toBe(false);
  });
});

describe("Backend validation", () => {
  test.each(["Acme_State", "ab", "state..bucket", "192.168.1.1"])("fails when backend.bucket is %p, naming backend.bucket", (bucket) => {
    expect(() => synthStack({ ...base, backend: { bucket } }, "loki-minio")).toThrow(/^backend\.bucket must be/);
  });

  test("fails when backend.key starts with a slash, naming backend.key", () => {
    expect(() => synthStack({ ...base, backend: { bucket: "acme-terraform-state", key: "/loki.tfstate" } }, "loki-minio")).toThrow(
      /^backend\.key must be/,
    );
  });

  test("fails when backend.region is not a region code, naming backend.region", () => {
    expect(() => synthStack({ ...base, backend: { bucket: "acme-terraform-state", region: "Tokyo" } }, "loki-minio")).toThrow(
      /^backend\.region must be/,
    );
  });
});
