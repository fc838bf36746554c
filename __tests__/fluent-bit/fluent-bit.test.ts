import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { DaemonSetV1 } from "@cdktf/provider-kubernetes/lib/daemon-set-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { createHash } from "node:crypto";
import { parse } from "yaml";
import { FLUENT_BIT_GRACE_SECONDS } from "../../lib/fluent-bit/config";
import { CONFIG_CHECKSUM_ANNOTATION, FluentBit } from "../../lib/fluent-bit/fluent-bit";
import { FLUENT_BIT_VERSIONS } from "../../lib/fluent-bit/agent";
import { FLUENT_BIT_AGENTS } from "../../lib/fluent-bit/agent-versions";
import { DEFAULT_FLUENT_BIT_IMAGE, FluentBitProps } from "../../lib/fluent-bit/props";
import { LokiStackProps } from "../../lib/loki-stack-props";
import { Json } from "../support/json";
import { synthPart, synthStack } from "../support/synth";
import { pushTarget } from "../support/targets";

/** Synthesizes the construct alone, in a bare stack, pushing to the default release. */
function synthConstruct(props: Partial<FluentBitProps> = {}): { synthesized: string; json: Json; agent: FluentBit } {
  let agent!: FluentBit;
  const synthesized = synthPart((scope) => {
    agent = new FluentBit(scope, "FluentBit", { loki: pushTarget(), ...props });
  });
  return { synthesized, json: JSON.parse(synthesized) as Json, agent };
}

/** A whole LokiStack with MinIO and a kubeconfig, so nothing needs AWS. */
const synthMinioStack = (props: Partial<LokiStackProps> = {}) =>
  synthStack({ clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" }, ...props });

/** The agent's only resource of one type; its Terraform names all start with the construct ID. */
const only = (json: Json, type: string): Json => {
  const all = Object.entries(json.resource?.[type] ?? {}).filter(([name]) => name.startsWith("FluentBit_"));
  if (all.length !== 1) throw new Error(`expected exactly one FluentBit ${type}, found ${all.length}`);
  return all[0][1] as Json;
};

/** The Fluent Bit config, parsed out of the synthesized ConfigMap. */
const configOf = (json: Json): Json => parse(only(json, "kubernetes_config_map_v1").data["fluent-bit.yaml"]) as Json;
const lokiOutputOf = (json: Json): Json => configOf(json).pipeline.outputs.find((o: Json) => o.name === "loki");
const podSpecOf = (json: Json): Json => only(json, "kubernetes_daemon_set_v1").spec.template.spec;
const containerOf = (json: Json): Json => {
  const containers = podSpecOf(json).container as Json[];
  expect(containers).toHaveLength(1);
  return containers[0];
};

describe("FluentBit defaults", () => {
  const { synthesized, json, agent } = synthConstruct();
  const namespaceRef = "${kubernetes_namespace_v1.FluentBit_Namespace_7C4BE477.metadata[0].name}";

  test("matches the snapshot", () => {
    expect(synthesized).toMatchSnapshot();
  });

  test("given defaults, then the agent owns the fluent-bit namespace and every namespaced object is in it", () => {
    expect(synthesized).toHaveResourceWithProperties(NamespaceV1, { metadata: expect.objectContaining({ name: "fluent-bit" }) });
    for (const type of ["kubernetes_service_account_v1", "kubernetes_config_map_v1", "kubernetes_daemon_set_v1", "kubernetes_service_v1"]) {
      expect(only(json, type).metadata.namespace).toBe(namespaceRef);
    }
    expect(agent.namespace).toBe("fluent-bit");
  });

  test("given defaults, then the DaemonSet runs the pinned 5.1.1 image with the mounted YAML config", () => {
    const container = containerOf(json);
    expect(container.image).toBe(DEFAULT_FLUENT_BIT_IMAGE);
    expect(container.image).toBe("cr.fluentbit.io/fluent/fluent-bit:5.1.1");
    expect(container.args).toEqual(["--config=/fluent-bit/etc/conf/fluent-bit.yaml"]);
  });

  test("given defaults, then the container is locked down: read-only root, no escalation, every capability dropped", () => {
    expect(containerOf(json).security_context).toEqual({
      run_as_user: "0",
      run_as_group: "0",
      run_as_non_root: false,
      privileged: false,
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(podSpecOf(json).security_context).toEqual({ seccomp_profile: { type: "RuntimeDefault" } });
  });

  test("given defaults, then the logs, machine-id and config are mounted read-only and only the state directory is writable", () => {
    const mounts = Object.fromEntries((containerOf(json).volume_mount as Json[]).map((m) => [m.mount_path, m.read_only]));
    expect(mounts).toEqual({
      "/var/log": true,
      "/etc/machine-id": true,
      "/fluent-bit/etc/conf": true,
      "/var/fluent-bit/state": false,
    });
  });

  test("given defaults, then the volumes are the host's /var/log, machine-id and state directory, and the ConfigMap", () => {
    const volumes = Object.fromEntries((podSpecOf(json).volume as Json[]).map((v) => [v.name, v]));
    expect(volumes.varlog.host_path).toEqual({ path: "/var/log", type: "Directory" });
    expect(volumes["machine-id"].host_path).toEqual({ path: "/etc/machine-id", type: "File" });
    expect(volumes.state.host_path).toEqual({ path: "/var/fluent-bit/state", type: "DirectoryOrCreate" });
    expect(volumes.config.config_map.name).toBe("${kubernetes_config_map_v1.FluentBit_Config_A7153B07.metadata[0].name}");
    expect(Object.keys(volumes).sort()).toEqual(["config", "machine-id", "state", "varlog"]);
  });

  test("given defaults, then the offsets DB and the buffer live on the hostPath state volume, which outlives the pod", () => {
    const config = configOf(json);
    const stateMount = (containerOf(json).volume_mount as Json[]).find((m) => m.name === "state") as Json;
    const stateVolume = (podSpecOf(json).volume as Json[]).find((v) => v.name === "state") as Json;
    expect(stateVolume.empty_dir).toBeUndefined();
    expect(stateVolume.host_path.path).toBe(stateMount.mount_path);
    expect(config.pipeline.inputs[0].db.startsWith(`${stateMount.mount_path}/`)).toBe(true);
    expect(config.service["storage.path"].startsWith(`${stateMount.mount_path}/`)).toBe(true);
  });

  test("given defaults, then liveness is GET / and readiness GET the health check, both on port 2020", () => {
    const container = containerOf(json);
    expect(container.liveness_probe.http_get).toEqual({ path: "/", port: "2020" });
    expect(container.readiness_probe.http_get).toEqual({ path: "/api/v2/health", port: "2020" });
    expect(container.port).toEqual([{ name: "http", container_port: 2020, protocol: "TCP" }]);
    expect(configOf(json).service).toMatchObject({ http_server: "on", http_port: 2020, health_check: "on" });
  });

  test("given defaults, then the container has requests and limits for CPU and memory", () => {
    expect(containerOf(json).resources).toEqual({
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    });
  });

  test("given defaults, then it tolerates every taint, is node-critical and rolls one node at a time without surge", () => {
    const spec = podSpecOf(json);
    expect(spec.toleration).toEqual([{ operator: "Exists" }]);
    expect(spec.priority_class_name).toBe("system-node-critical");
    expect(only(json, "kubernetes_daemon_set_v1").spec.strategy).toEqual({ type: "RollingUpdate", rolling_update: { max_unavailable: "1", max_surge: "0" } });
  });

  test("given defaults, then Kubernetes waits longer than Fluent Bit's own grace before killing it", () => {
    const config = configOf(json);
    expect(config.service.grace).toBe(FLUENT_BIT_GRACE_SECONDS);
    expect(podSpecOf(json).termination_grace_period_seconds).toBeGreaterThan(config.service.grace + config.service.flush);
  });

  test("given defaults, then the pods carry the SHA-256 of the ConfigMap's config", () => {
    const yaml = only(json, "kubernetes_config_map_v1").data["fluent-bit.yaml"] as string;
    const annotations = only(json, "kubernetes_daemon_set_v1").spec.template.metadata.annotations;
    expect(annotations[CONFIG_CHECKSUM_ANNOTATION]).toBe(createHash("sha256").update(yaml).digest("hex"));
    expect(agent.configChecksum).toBe(annotations[CONFIG_CHECKSUM_ANNOTATION]);
    expect(agent.configYaml).toBe(yaml);
  });

  test("given defaults, then the pods run as their own service account with its token mounted for the kubernetes filter", () => {
    const spec = podSpecOf(json);
    expect(spec.service_account_name).toBe("${kubernetes_service_account_v1.FluentBit_ServiceAccount_6BF00786.metadata[0].name}");
    expect(spec.automount_service_account_token).toBe(true);
    expect(synthesized).toHaveResourceWithProperties(ServiceAccountV1, { metadata: expect.objectContaining({ name: "fluent-bit" }), automount_service_account_token: true });
  });

  test("given defaults, then the ClusterRole grants exactly get, list and watch on pods and namespaces", () => {
    const role = only(json, "kubernetes_cluster_role_v1");
    expect(role.rule).toHaveLength(1);
    const [rule] = role.rule as Json[];
    expect(Object.keys(rule).sort()).toEqual(["api_groups", "resources", "verbs"]);
    expect(rule.api_groups).toEqual([""]);
    expect([...rule.resources].sort()).toEqual(["namespaces", "pods"]);
    expect([...rule.verbs].sort()).toEqual(["get", "list", "watch"]);
    expect(role.aggregation_rule).toBeUndefined();
    expect(synthesized).toHaveResourceWithProperties(ClusterRoleV1, { metadata: expect.objectContaining({ name: "fluent-bit" }) });
  });

  test("given defaults, then the ClusterRoleBinding binds that role to the agent's service account only", () => {
    expect(synthesized).toHaveResourceWithProperties(ClusterRoleBindingV1, {
      role_ref: { api_group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "${kubernetes_cluster_role_v1.FluentBit_ClusterRole_C8F33B2F.metadata[0].name}" },
      subject: [{ kind: "ServiceAccount", name: "${kubernetes_service_account_v1.FluentBit_ServiceAccount_6BF00786.metadata[0].name}", namespace: namespaceRef }],
    });
  });

  test("given defaults, then a ClusterIP Service exposes port 2020 of exactly the DaemonSet's pods", () => {
    const service = only(json, "kubernetes_service_v1");
    expect(service.spec.type).toBe("ClusterIP");
    expect(service.spec.port).toEqual([{ name: "http", port: 2020, target_port: "http", protocol: "TCP" }]);
    expect(service.spec.selector).toEqual(only(json, "kubernetes_daemon_set_v1").spec.selector.match_labels);
    expect(synthesized).toHaveResourceWithProperties(ServiceV1, { metadata: expect.objectContaining({ name: "fluent-bit" }) });
    expect(agent.metricsUrl).toBe("http://fluent-bit.fluent-bit.svc.cluster.local:2020/api/v2/metrics/prometheus");
  });

  test("given defaults, then the DaemonSet is the construct's primary resource", () => {
    expect(synthesized).toHaveResourceWithProperties(DaemonSetV1, { metadata: expect.objectContaining({ name: "fluent-bit" }) });
    expect(agent.resource.node.id).toBe("Resource");
  });
});

describe("FluentBit settings", () => {
  test("given other resources, then the container gets them", () => {
    const { json } = synthConstruct({ resources: { cpuRequest: "50m", memoryRequest: "256Mi", cpuLimit: "500m", memoryLimit: "1Gi" } });
    expect(containerOf(json).resources).toEqual({ requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "1Gi" } });
  });

  test("given another image, namespace and state directory, then the DaemonSet follows them", () => {
    const { json } = synthConstruct({ image: "fluent/fluent-bit:4.0.3", namespace: "logging", hostStateDir: "/var/lib/fluent-bit" });
    expect(only(json, "kubernetes_namespace_v1").metadata.name).toBe("logging");
    expect(containerOf(json).image).toBe("fluent/fluent-bit:4.0.3");
    const state = (podSpecOf(json).volume as Json[]).find((v) => v.name === "state") as Json;
    expect(state.host_path).toEqual({ path: "/var/lib/fluent-bit", type: "DirectoryOrCreate" });
    expect(configOf(json).pipeline.inputs[0].exclude_path).toBe("/var/log/containers/*_logging_*.log");
  });

  test("given a config change, then the pod annotation changes and the pods roll", () => {
    const annotation = (json: Json) => only(json, "kubernetes_daemon_set_v1").spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(annotation(synthConstruct().json)).not.toBe(annotation(synthConstruct({ bufferLimit: "4G" }).json));
    expect(annotation(synthConstruct().json)).toBe(annotation(synthConstruct().json));
  });

  test("given extra filters and outputs, then they land in the ConfigMap's config after the built-in ones", () => {
    const { json } = synthConstruct({
      extraFilters: [{ name: "grep", match: "kube.*", exclude: "log ^healthz" }],
      extraOutputs: [{ name: "s3", match: "kube.*", bucket: "acme-log-archive" }],
    });
    const config = configOf(json);
    expect(config.pipeline.filters.map((f: Json) => f.name)).toEqual(["kubernetes", "grep"]);
    expect(config.pipeline.filters[1]).toEqual({ name: "grep", match: "kube.*", exclude: "log ^healthz" });
    expect(config.pipeline.outputs.map((o: Json) => o.name)).toEqual(["loki", "s3"]);
    expect(config.pipeline.outputs[1]).toEqual({ name: "s3", match: "kube.*", bucket: "acme-log-archive" });
  });

  test.each([
    ["the agent in Loki's namespace", { namespace: "loki", fluentBit: { namespace: "loki" } }, /fluentBit\.namespace must be a namespace other than Loki's \("loki"\)/],
    ["a state directory inside the image's /fluent-bit", { fluentBit: { hostStateDir: "/fluent-bit/state" } }, /fluentBit\.hostStateDir must be a path without/],
    ["a state directory climbing into /var/log", { fluentBit: { hostStateDir: "/var/fluent-bit/../log" } }, /fluentBit\.hostStateDir must be a path without "\." or "\.\." segments/],
    ["a memory limit that is not a quantity", { fluentBit: { resources: { memoryLimit: "lots" } } }, /fluentBit\.resources\.memoryLimit must be a Kubernetes quantity .*\(got "lots"\)/],
  ])("fails given %s", (_, props, message) => {
    expect(() => synthMinioStack(props as Partial<LokiStackProps>)).toThrow(message);
  });
});

describe("FluentBit in the LokiStack", () => {
  let reference: ReturnType<typeof synthStack>;
  let renamed: ReturnType<typeof synthStack>;
  let withAuth: ReturnType<typeof synthStack>;
  beforeAll(() => {
    reference = synthMinioStack();
    renamed = synthMinioStack({ releaseName: "logs", namespace: "observability" });
    withAuth = synthMinioStack({ tenant: "team-a" });
  });

  test("given the default release loki, then the ConfigMap pushes to the chart's loki-distributor.loki Service on 3100", () => {
    expect(lokiOutputOf(reference.json)).toMatchObject({ host: "loki-distributor.loki.svc.cluster.local", port: 3100, uri: "/loki/api/v1/push" });
    expect(lokiOutputOf(reference.json).host).toBe(reference.stack.names.distributorHost);
  });

  test("given release logs in namespace observability, then the ConfigMap pushes to logs-loki-distributor.observability", () => {
    expect(lokiOutputOf(renamed.json)).toMatchObject({ host: "logs-loki-distributor.observability.svc.cluster.local", port: 3100 });
    expect(lokiOutputOf(renamed.json).host).toBe(renamed.stack.names.distributorHost);
    expect(`http://${lokiOutputOf(renamed.json).host}:${lokiOutputOf(renamed.json).port}${lokiOutputOf(renamed.json).uri}`).toBe(renamed.stack.names.pushUrl);
  });

  test("given auth on, then tenant_id is the stack's tenant", () => {
    expect(withAuth.stack.tenancy.authEnabled).toBe(true);
    expect(lokiOutputOf(withAuth.json).tenant_id).toBe(withAuth.stack.tenancy.tenant);
    expect(lokiOutputOf(withAuth.json).tenant_id).toBe("team-a");
  });

  test("given auth off, then no tenant_id is set", () => {
    expect(reference.stack.tenancy.authEnabled).toBe(false);
    expect(lokiOutputOf(reference.json)).not.toHaveProperty("tenant_id");
  });

  test("given the agent enabled by default, then the stack exposes it", () => {
    expect(reference.stack.fluentBit).toBeInstanceOf(FluentBit);
    expect(Object.keys(reference.json.resource.kubernetes_daemon_set_v1)).toHaveLength(1);
  });

  test("given the agent disabled, then the stack creates none of its objects", () => {
    const { stack, json } = synthMinioStack({ fluentBit: { enabled: false } });
    expect(stack.fluentBit).toBeUndefined();
    const agentAddresses = Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName as Json)
        .filter(([name, block]) => name.startsWith("FluentBit") || (block as Json).metadata?.name === "fluent-bit")
        .map(([name]) => `${type}.${name}`),
    );
    expect(agentAddresses).toEqual([]);
    expect(json.resource?.kubernetes_daemon_set_v1).toBeUndefined();
  });
});

describe.each(FLUENT_BIT_VERSIONS)("FluentBit %s", (version) => {
  const { json, agent } = synthConstruct({ version });
  const facts = FLUENT_BIT_AGENTS[version];

  test("given the version, then the DaemonSet runs that version's official image, pinned", () => {
    expect(containerOf(json).image).toBe(`cr.fluentbit.io/fluent/fluent-bit:${version}`);
    expect(agent.settings.agent).toBe(facts);
  });

  test("given the version, then readiness asks the health endpoint that version serves, and metrics come from the v2 endpoint", () => {
    const container = containerOf(json);
    expect(container.liveness_probe.http_get).toEqual({ path: "/", port: "2020" });
    // 4.0.1 has no /api/v2/health (404 would keep every pod unready); 5.1.1 answers it, and /api/v1/health only with health_check on.
    expect(container.readiness_probe.http_get).toEqual({ path: version === "4.0.1" ? "/api/v1/health" : "/api/v2/health", port: "2020" });
    expect(configOf(json).service.health_check).toBe("on");
    expect(agent.metricsUrl).toBe("http://fluent-bit.fluent-bit.svc.cluster.local:2020/api/v2/metrics/prometheus");
  });

  test("given the version, then the config is the one both versions accept (dry-run by each version in the real-program suite)", () => {
    expect(agent.configYaml).toBe(synthConstruct({ version: "4.0.1" }).agent.configYaml);
  });
});

describe("FluentBit validation on its own", () => {
  test.each<[Partial<FluentBitProps>, RegExp]>([
    [{ namespace: "Fluent_Bit" }, /^namespace must be a DNS-1123 label/],
    [{ image: "fluent/fluent-bit:latest" }, /^image must be an image pinned to a version tag or digest/],
    [{ hostStateDir: "/var/log/fluent-bit" }, /^hostStateDir must be an absolute host path outside \/var\/log/],
    [{ bufferLimit: "2GiB" }, /^bufferLimit must be a Fluent Bit size such as "512M" or "2G" \(got "2GiB"\)/],
    [{ resources: { cpuLimit: "one" } }, /^resources\.cpuLimit must be a Kubernetes quantity/],
    [{ extraOutputs: [{ match: "kube.*" }] }, /^extraOutputs\[0\]\.name must be a plugin name/],
    [{ loki: { ...pushTarget(), host: "http://loki" } }, /^loki\.host must be a DNS-1123 subdomain/],
    [{ loki: { ...pushTarget(), port: 0 } }, /^loki\.port must be a whole number from 1 to 65535/],
    [{ loki: { ...pushTarget(), path: "loki/api/v1/push" } }, /^loki\.path must be an absolute URL path/],
    [{ version: "4.0.2" as never }, /^version must be one of the Fluent Bit versions the stack knows: "5\.1\.1" or "4\.0\.1" \(got "4\.0\.2"\)/],
  ])("fails with %j, naming the prop", (props, message) => {
    expect(() => synthConstruct(props)).toThrow(message);
  });
});
