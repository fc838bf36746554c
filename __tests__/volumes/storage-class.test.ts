import { parse } from "yaml";
import { ENVIRONMENTS } from "../../environments";
import { ConfigError } from "../../lib/core/validation";
import { LokiStackProps } from "../../lib/loki-stack-props";
import { LokiStorageClass, LokiStorageClassProps, lokiStorageClassName } from "../../lib/volumes/storage-class";
import { Json } from "../support/json";
import { REFERENCE_PROPS, synthPart, synthStack, Synthesized } from "../support/synth";

const valuesOf = (json: Synthesized): Json => parse(json.resource.helm_release.loki.values[0]);

/** Every storage class a persistent claim in the Loki values names: ingester, compactor and, in MinIO mode, MinIO. */
function claimClasses(values: Json): (string | undefined)[] {
  const classes = [...values.ingester.persistence.claims, ...values.compactor.persistence.claims].map((c: Json) => c.storageClass as string | undefined);
  if (values.minio.enabled) classes.push(values.minio.persistence?.storageClass);
  return classes;
}

const STACKS: [string, LokiStackProps][] = [
  ...Object.entries(ENVIRONMENTS),
  ["production", { ...REFERENCE_PROPS, size: "production" }],
  ["zone-aware", { ...REFERENCE_PROPS, size: "production", zoneAwareReplication: true }],
  ["another namespace", { ...REFERENCE_PROPS, namespace: "logging", releaseName: "logs" }],
  ["EKS Auto Mode", { ...REFERENCE_PROPS, ebsProvisioner: "ebs.csi.eks.amazonaws.com" }],
  ["a named class", { ...REFERENCE_PROPS, storageClass: "gp2" }],
  ["MinIO with a named class", { clusterName: "kind", storage: "minio", storageClass: "standard", kubeconfig: { path: "~/.kube/config" } }],
];

describe.each(STACKS)("given the %s stack", (_name, props) => {
  const { json } = synthStack(props);
  const values = valuesOf(json);
  const created = json.resource.kubernetes_storage_class_v1?.loki_gp3;

  test("then it creates or names a StorageClass, and every persistent claim in the Loki values uses it", () => {
    const expected = props.storageClass ?? lokiStorageClassName(props.namespace ?? "loki");
    expect(claimClasses(values)).not.toHaveLength(0);
    expect(new Set(claimClasses(values))).toEqual(new Set([expected]));
    if (props.storageClass === undefined) expect(created.metadata.name).toBe(expected);
    else expect(created).toBeUndefined();
  });
});

describe("given the reference stack", () => {
  const { json } = synthStack(REFERENCE_PROPS);
  const created = json.resource.kubernetes_storage_class_v1.loki_gp3;

  test("then the class is encrypted gp3 on the EBS CSI driver, bound on first consumer, expandable", () => {
    expect(created).toMatchObject({
      metadata: { name: "loki-gp3" },
      storage_provisioner: "ebs.csi.aws.com",
      volume_binding_mode: "WaitForFirstConsumer",
      allow_volume_expansion: true,
      reclaim_policy: "Delete",
      parameters: { type: "gp3", encrypted: "true" },
    });
  });

  test("then the plan looks up the CSIDriver the class needs, at pinned addresses", () => {
    expect(json.data.kubernetes_resources.loki_ebs_csi_driver).toMatchObject({
      api_version: "storage.k8s.io/v1",
      kind: "CSIDriver",
      field_selector: "metadata.name=ebs.csi.aws.com",
    });
    expect(created.lifecycle.precondition[0].condition).toContain("data.kubernetes_resources.loki_ebs_csi_driver.objects");
  });

  test("then the Loki release waits for the class, so its claims never wait for a class that is not there yet", () => {
    expect(json.resource.helm_release.loki.depends_on).toContain("kubernetes_storage_class_v1.loki_gp3");
  });
});

describe("given EKS Auto Mode", () => {
  const { json } = synthStack({ ...REFERENCE_PROPS, ebsProvisioner: "ebs.csi.eks.amazonaws.com" });

  test("then the class and the driver check name Auto Mode's built-in provisioner", () => {
    expect(json.resource.kubernetes_storage_class_v1.loki_gp3.storage_provisioner).toBe("ebs.csi.eks.amazonaws.com");
    expect(json.data.kubernetes_resources.loki_ebs_csi_driver.field_selector).toBe("metadata.name=ebs.csi.eks.amazonaws.com");
  });
});

describe("given a named existing class", () => {
  const { json } = synthStack({ ...REFERENCE_PROPS, storageClass: "gp2" });

  test("then no class is created and no driver is checked: the class may use any provisioner", () => {
    expect(json.resource.kubernetes_storage_class_v1).toBeUndefined();
    expect(json.data.kubernetes_resources.loki_ebs_csi_driver).toBeUndefined();
    expect(json.resource.helm_release.loki.depends_on ?? []).not.toContainEqual(expect.stringMatching(/storage_class/));
  });
});

describe("LokiStorageClass on its own", () => {
  const build = (props: Partial<LokiStorageClassProps> = {}): Synthesized =>
    JSON.parse(
      synthPart((scope) => {
        new LokiStorageClass(scope, "StorageClass", { name: "logs-gp3", clusterName: "prod-eks", ...props });
      }),
    ) as Synthesized;

  test("given only a name and a cluster, then the class is on the EBS CSI add-on, at the stack's pinned addresses", () => {
    const json = build();
    expect(json.resource.kubernetes_storage_class_v1.loki_gp3).toMatchObject({ metadata: { name: "logs-gp3" }, storage_provisioner: "ebs.csi.aws.com" });
    expect(json.data.kubernetes_resources.loki_ebs_csi_driver.field_selector).toBe("metadata.name=ebs.csi.aws.com");
    expect(json.resource.kubernetes_storage_class_v1.loki_gp3.lifecycle.precondition[0].error_message).toMatch(/EKS cluster "prod-eks"/);
  });

  test.each([
    ["a provisioner that is not an EBS CSI one", { ebsProvisioner: "kubernetes.io/aws-ebs" as never }, "ebsProvisioner", /"ebs.csi.aws.com" or "ebs.csi.eks.amazonaws.com"/],
    ["a class name with capitals", { name: "Loki-GP3" }, "name", /DNS-1123 subdomain/],
    ["an empty cluster name", { clusterName: "" }, "clusterName", /the name of an EKS cluster/],
  ] as const)("fails on %s, naming %s", (_name, props, setting, expected) => {
    let error: unknown;
    try {
      build(props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(setting);
    expect((error as ConfigError).message).toMatch(expected);
  });
});
