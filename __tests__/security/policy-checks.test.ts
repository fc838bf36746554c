/**
 * Policy-as-code: the checks a reviewer's scanner runs (checkov IDs; trivy and KICS have equivalents),
 * over the synthesized JSON of every example stack and the variants a team may choose.
 * Each check is also fed a deliberately broken fragment, to prove it can fail.
 */
import { DaemonSetV1, DaemonSetV1SpecTemplateSpecContainer } from "@cdktf/provider-kubernetes/lib/daemon-set-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { Construct } from "constructs";
import { LokiStackProps, resolveLokiStackProps } from "../../lib";
import {
  chartWorkloads,
  Check,
  containersOf,
  IAM_CHECKS,
  K8S_CHECKS,
  lokiValuesOf,
  readOnlyHostPaths,
  S3_CHECKS,
  SKIPPED_CHECKS,
  VALUES_CHECKS,
  VALUES_TOKEN_CHECK,
} from "../support/checks";
import { Block, onlyResource, policyDocument, resourcesOf, synthScope, Synthesized, synthStack } from "../support/synth";
import { VARIANTS } from "../support/variants";

/** Every example environment plus the options that change what gets synthesized. */
const STACKS: readonly (readonly [string, LokiStackProps])[] = VARIANTS.map(([name, , props]) => [name, props] as const);

const synthesized = new Map<string, Synthesized>();
beforeAll(() => {
  for (const [name, props] of STACKS) synthesized.set(name, synthStack(props, name.split(" ")[0]).json);
});
const stack = (name: string): Synthesized => synthesized.get(name) as Synthesized;
const s3Stacks = STACKS.filter(([, props]) => props.storage !== "minio").map(([name]) => name);
const kmsStacks = STACKS.filter(([, props]) => props.encryption === "SSE-KMS" || props.kmsKeyArn !== undefined).map(([name]) => name);
const check = (list: readonly Check[], id: string): Check => {
  const found = list.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};

describe("S3 checks", () => {
  it("given the S3 stacks then each has at least one bucket for the checks to judge", () => {
    for (const name of s3Stacks) expect(resourcesOf(stack(name), "aws_s3_bucket").length).toBeGreaterThan(0);
  });

  describe.each(S3_CHECKS.filter((c) => c.id !== "CKV_AWS_145").map((c) => [c.id, c] as const))("%s", (_, c) => {
    it.each(STACKS.map(([name]) => name))(`given %s then every bucket passes: ${c.title}`, (name) => {
      expect(c.run(stack(name))).toEqual([]);
    });
  });

  describe("CKV_AWS_145", () => {
    it.each(kmsStacks)("given %s then every bucket is encrypted with its KMS key by default", (name) => {
      expect(check(S3_CHECKS, "CKV_AWS_145").run(stack(name))).toEqual([]);
    });

    it("given the default SSE-S3 stack then CKV_AWS_145 does not apply by decision: SSE-S3 encrypts at rest without a key to manage, and encryption: \"SSE-KMS\" opts in", () => {
      const json = stack("loki-s3");
      expect(check(S3_CHECKS, "CKV_AWS_19").run(json)).toEqual([]);
      expect(check(S3_CHECKS, "CKV_AWS_145").run(json)).toEqual([
        "aws_s3_bucket.loki_chunks: default encryption is not SSE-KMS with a key",
        "aws_s3_bucket.loki_ruler: default encryption is not SSE-KMS with a key",
      ]);
    });
  });

  describe("given a deliberately broken bucket", () => {
    const mutate = (edit: (json: Block) => void, name = "loki-s3"): Synthesized => {
      const json = structuredClone(stack(name)) as Synthesized;
      edit(json.resource);
      return json;
    };
    const chunksSibling = (resource: Block, type: string): Block =>
      Object.values(resource[type] as Record<string, Block>).find((b) => b.bucket === "${aws_s3_bucket.loki_chunks.id}") as Block;
    const dropChunksSibling = (resource: Block, type: string) => {
      const byName = resource[type] as Record<string, Block>;
      for (const [key, block] of Object.entries(byName)) if (block.bucket === "${aws_s3_bucket.loki_chunks.id}") delete byName[key];
    };
    const setPolicy = (resource: Block, statementEdit: (s: Block) => void) => {
      const policy = chunksSibling(resource, "aws_s3_bucket_policy");
      const doc = policyDocument(policy.policy);
      statementEdit(doc.Statement[0]);
      policy.policy = JSON.stringify(doc);
    };

    it.each<[string, (r: Block) => void]>([
      ["CKV_AWS_21", (r) => (chunksSibling(r, "aws_s3_bucket_versioning").versioning_configuration.status = "Suspended")],
      ["CKV_AWS_19", (r) => dropChunksSibling(r, "aws_s3_bucket_server_side_encryption_configuration")],
      ["CKV2_AWS_6", (r) => dropChunksSibling(r, "aws_s3_bucket_public_access_block")],
      ["CKV_AWS_53", (r) => (chunksSibling(r, "aws_s3_bucket_public_access_block").block_public_acls = false)],
      ["CKV_AWS_54", (r) => (chunksSibling(r, "aws_s3_bucket_public_access_block").block_public_policy = false)],
      ["CKV_AWS_55", (r) => (chunksSibling(r, "aws_s3_bucket_public_access_block").ignore_public_acls = false)],
      ["CKV_AWS_56", (r) => delete chunksSibling(r, "aws_s3_bucket_public_access_block").restrict_public_buckets],
      ["CKV2_AWS_65", (r) => (chunksSibling(r, "aws_s3_bucket_ownership_controls").rule.object_ownership = "ObjectWriter")],
      ["CKV2_AWS_61", (r) => chunksSibling(r, "aws_s3_bucket_lifecycle_configuration").rule.forEach((rule: Block) => (rule.status = "Disabled"))],
      [
        "CKV_AWS_300",
        (r) => (chunksSibling(r, "aws_s3_bucket_lifecycle_configuration").rule = chunksSibling(r, "aws_s3_bucket_lifecycle_configuration").rule.filter((rule: Block) => !rule.abort_incomplete_multipart_upload)),
      ],
      ["S3_NONCURRENT_VERSION_EXPIRY", (r) => chunksSibling(r, "aws_s3_bucket_lifecycle_configuration").rule.forEach((rule: Block) => (rule.filter = [{ prefix: "index/" }]))],
      ["S3_TLS_ONLY", (r) => setPolicy(r, (s) => (s.Condition.Bool["aws:SecureTransport"] = "true"))],
      ["S3_TLS_ONLY", (r) => setPolicy(r, (s) => (s.Resource = ["${aws_s3_bucket.loki_chunks.arn}"]))],
      ["S3_TLS_ONLY", (r) => setPolicy(r, (s) => (s.Effect = "Allow"))],
    ])("fails %s when the chunks bucket is broken for it", (id, edit) => {
      expect(check(S3_CHECKS, id).run(mutate(edit))).toEqual([expect.stringMatching(/^aws_s3_bucket\.loki_chunks: /)]);
    });

    it("fails CKV_AWS_145 when the chunks bucket of a KMS stack falls back to SSE-S3", () => {
      const json = mutate((r) => {
        const encryption = chunksSibling(r, "aws_s3_bucket_server_side_encryption_configuration");
        encryption.rule[0].apply_server_side_encryption_by_default = { sse_algorithm: "AES256" };
      }, "loki-s3 with SSE-KMS (created key)");
      expect(check(S3_CHECKS, "CKV_AWS_145").run(json)).toEqual(["aws_s3_bucket.loki_chunks: default encryption is not SSE-KMS with a key"]);
    });
  });
});

describe("IAM checks", () => {
  describe.each(IAM_CHECKS.map((c) => [c.id, c] as const))("%s", (_, c) => {
    it.each(STACKS.map(([name]) => name))(`given %s then ${c.title}`, (name) => {
      expect(c.run(stack(name))).toEqual([]);
    });
  });

  it("given the S3 stacks then the checks have a role policy and a trust policy to judge", () => {
    for (const name of s3Stacks) {
      expect(resourcesOf(stack(name), "aws_iam_role_policy").length).toBeGreaterThan(0);
      expect(onlyResource(stack(name), "aws_iam_role").assume_role_policy).toEqual(expect.any(String));
    }
  });

  describe("given a deliberately broken policy", () => {
    const mutate = (name: string, edit: (policy: Block, trust: Block) => void): Synthesized => {
      const json = structuredClone(stack(name)) as Synthesized;
      const [, rolePolicy] = resourcesOf(json, "aws_iam_role_policy")[0];
      const role = onlyResource(json, "aws_iam_role");
      const policy = policyDocument(rolePolicy.policy);
      const trust = policyDocument(role.assume_role_policy);
      edit(policy, trust);
      rolePolicy.policy = JSON.stringify(policy);
      role.assume_role_policy = JSON.stringify(trust);
      return json;
    };
    const irsaCondition = (t: Block): Block => t.Statement[0].Condition.StringEquals;
    const subKey = (t: Block): string => Object.keys(irsaCondition(t)).find((k) => k.endsWith(":sub")) as string;

    it.each<[string, string, (policy: Block, trust: Block) => void]>([
      ["CKV_AWS_63", "loki-s3", (p) => (p.Statement[0].Action = ["s3:*"])],
      ["CKV_AWS_63", "loki-s3", (p) => (p.Statement[1].Action = ["s3:Get*"])],
      ["CKV_AWS_63", "loki-s3", (p) => p.Statement.push({ Effect: "Allow", NotAction: ["iam:*"], Resource: ["arn:aws:s3:::x"] })],
      ["CKV_AWS_355", "loki-s3", (p) => (p.Statement[1].Resource = ["*"])],
      ["CKV_AWS_355", "loki-s3", (p) => (p.Statement[0].Resource = ["arn:aws:s3:::*"])],
      ["CKV_AWS_62", "loki-s3", (p) => p.Statement.push({ Effect: "Allow", Action: "*", Resource: "*" })],
      ["CKV_AWS_60", "loki-s3", (_, t) => (t.Statement[0].Principal = { AWS: "*" })],
      ["CKV_AWS_60", "loki-s3", (_, t) => (t.Statement[0].Principal = "*")],
      ["CKV_AWS_60", "loki-s3", (_, t) => (irsaCondition(t)[subKey(t)] = "system:serviceaccount:loki:*")],
      ["CKV_AWS_60", "loki-s3", (_, t) => delete irsaCondition(t)[subKey(t)]],
      ["CKV_AWS_60", "loki-s3", (_, t) => delete irsaCondition(t)[subKey(t).replace(/:sub$/, ":aud")]],
      ["CKV_AWS_60", "loki-s3", (_, t) => (t.Statement[0].Condition = { StringLike: irsaCondition(t) })],
      ["CKV_AWS_60", "loki-s3 with EKS Pod Identity", (_, t) => delete t.Statement[0].Condition],
      ["CKV_AWS_60", "loki-s3 with EKS Pod Identity", (_, t) => (irsaCondition(t)["aws:RequestTag/kubernetes-namespace"] = "*")],
      ["CKV_AWS_60", "loki-s3 with EKS Pod Identity", (_, t) => (t.Statement[0].Principal = { Service: "*" })],
      ["CKV_AWS_61", "loki-s3", (_, t) => (t.Statement[0].Principal = { AWS: "arn:aws:iam::111122223333:root" })],
      ["CKV_AWS_61", "loki-s3", (_, t) => (t.Statement[0].Principal = { AWS: ["444455556666"] })],
    ])("fails %s on %s when the role's policy or trust is broken for it", (id, name, edit) => {
      expect(check(IAM_CHECKS, id).run(mutate(name, edit))).toEqual([expect.stringMatching(/^aws_iam_role(_policy)?\.\w+: /)]);
    });
  });
});

/** A DaemonSet as it should be: every Kubernetes check passes. */
function goodContainer(): DaemonSetV1SpecTemplateSpecContainer {
  return {
    name: "agent",
    image: "cr.example.com/agent:1.2.3",
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    livenessProbe: { httpGet: { path: "/", port: "2020" } },
    readinessProbe: { httpGet: { path: "/api/v2/health", port: "2020" } },
    securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    volumeMount: [
      { name: "varlog", mountPath: "/var/log", readOnly: true },
      { name: "state", mountPath: "/state" },
    ],
  };
}

/** Synthesizes one DaemonSet (with its service account bound to a cluster role) from a container, a fragment of what a stack holds. */
function daemonSetFragment(edit: (container: Block, pod: Block) => void = () => undefined): Synthesized {
  const container = goodContainer() as Block;
  const pod: Block = {
    serviceAccountName: "agent",
    container: [container],
    volume: [
      { name: "varlog", hostPath: { path: "/var/log" } },
      { name: "state", hostPath: { path: "/var/agent/state", type: "DirectoryOrCreate" } },
    ],
  };
  edit(container, pod);
  const json = JSON.parse(
    synthScope((scope: Construct) => {
      new ServiceAccountV1(scope, "Account", { metadata: { name: "agent", namespace: "agents" } });
      new ClusterRoleBindingV1(scope, "Binding", {
        metadata: { name: "agent" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "agent" },
        subject: [{ kind: "ServiceAccount", name: "agent", namespace: "agents" }],
      });
      new DaemonSetV1(scope, "Agent", {
        metadata: { name: "agent", namespace: "agents" },
        spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: pod } },
      });
    }),
  );
  return { resource: json.resource, data: {}, provider: {}, output: {}, locals: {} };
}

const HOST_PATH_CHECK = readOnlyHostPaths(["/var/agent/state"]);

describe("Kubernetes checks", () => {
  describe("given a well-formed workload fragment", () => {
    it.each([...K8S_CHECKS, HOST_PATH_CHECK].map((c) => [c.id, c] as const))("then %s passes", (_, c) => {
      const json = daemonSetFragment();
      expect(containersOf(json)).toHaveLength(1);
      expect(c.run(json)).toEqual([]);
    });
  });

  describe("given a deliberately broken workload", () => {
    it.each<[string, (c: Block, pod: Block) => void]>([
      ["CKV_K8S_10", (c) => delete c.resources.requests.cpu],
      ["CKV_K8S_11", (c) => delete c.resources.limits.cpu],
      ["CKV_K8S_12", (c) => delete c.resources.requests.memory],
      ["CKV_K8S_13", (c) => delete c.resources.limits],
      ["CKV_K8S_8", (c) => delete c.livenessProbe],
      ["CKV_K8S_9", (c) => delete c.readinessProbe],
      ["CKV_K8S_22", (c) => (c.securityContext.readOnlyRootFilesystem = false)],
      ["CKV_K8S_20", (c) => delete c.securityContext.allowPrivilegeEscalation],
      ["CKV_K8S_28/CKV_K8S_37", (c) => (c.securityContext.capabilities = { drop: ["NET_RAW"] })],
      ["CKV_K8S_28/CKV_K8S_37", (c) => (c.securityContext.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] })],
      ["CKV_K8S_14", (c) => (c.image = "cr.example.com/agent:latest")],
      ["CKV_K8S_14", (c) => (c.image = "cr.example.com:5000/agent")],
      ["CKV_K8S_38", (_, pod) => (pod.serviceAccountName = "unbound")],
      ["K8S_HOSTPATH_READ_ONLY", (c) => (c.volumeMount[0].readOnly = false)],
    ])("fails %s", (id, edit) => {
      const c = [...K8S_CHECKS, HOST_PATH_CHECK].find((k) => k.id === id) as Check;
      expect(c.run(daemonSetFragment(edit))).toEqual([expect.stringMatching(/^kubernetes_daemon_set_v1\.Agent/)]);
    });

    it("given a pod that opts out of the token then CKV_K8S_38 passes without a role binding", () => {
      const c = K8S_CHECKS.find((k) => k.id === "CKV_K8S_38") as Check;
      expect(c.run(daemonSetFragment((_, pod) => Object.assign(pod, { serviceAccountName: "unbound", automountServiceAccountToken: false })))).toEqual([]);
    });
  });

  it("given CKV_K8S_43 (image digest) then it is skipped on purpose, and CKV_K8S_14 pins every image instead", () => {
    expect(SKIPPED_CHECKS.CKV_K8S_43).toMatch(/pinned by exact version tag/);
    expect(K8S_CHECKS.map((c) => c.id)).toContain("CKV_K8S_14");
  });
});

describe("Kubernetes checks over every workload of the example stacks", () => {
  /** The one host path the stack writes to: Fluent Bit's offsets DB and filesystem buffer. */
  const writableHostPaths = (props: LokiStackProps, id: string) => [resolveLokiStackProps(props, id).fluentBit?.hostStateDir ?? ""].filter((p) => p !== "");

  it.each(STACKS.map(([name]) => name))("given %s then there are workloads for the checks to judge", (name) => {
    expect(containersOf(stack(name)).length).toBeGreaterThan(0);
  });

  describe.each([...K8S_CHECKS.map((c) => [c.id, c] as const), [HOST_PATH_CHECK.id, HOST_PATH_CHECK] as const])("%s", (id, c) => {
    it.each(STACKS)(`given %s then every container passes: ${c.title}`, (name, props) => {
      const checkToRun = id === HOST_PATH_CHECK.id ? readOnlyHostPaths(writableHostPaths(props, name.split(" ")[0])) : c;
      expect(checkToRun.run(stack(name))).toEqual([]);
    });
  });
});

describe("checks over the Loki chart's values, where the chart's pod specs come from", () => {
  describe.each([...VALUES_CHECKS, VALUES_TOKEN_CHECK].map((c) => [c.id, c] as const))("%s", (_, c) => {
    it.each(STACKS.map(([name]) => name))(`given %s then ${c.title}`, (name) => {
      expect(c.run(lokiValuesOf(stack(name)))).toEqual([]);
    });
  });

  it("given CKV_K8S_8 (liveness probes) then it does not apply to the chart's Loki pods by decision: chart 6.29.0 gives them none, and a liveness probe would restart an ingester replaying its WAL", () => {
    for (const [name] of STACKS) {
      const values = lokiValuesOf(stack(name));
      expect(values.loki?.livenessProbe).toBeUndefined();
      for (const { key } of chartWorkloads(values)) expect(values[key]?.livenessProbe).toBeUndefined();
      expect(values.loki?.readinessProbe).toBeUndefined();
    }
  });

  describe("given deliberately broken values", () => {
    const values = () => structuredClone(lokiValuesOf(stack("loki-s3")));
    it.each<[string, RegExp, (v: Block) => void]>([
      ["CKV_K8S_10", /^querier: no cpu requests$/, (v) => delete v.querier.resources.requests.cpu],
      ["CKV_K8S_11", /^ingester: no cpu limits$/, (v) => delete v.ingester.resources.limits.cpu],
      ["CKV_K8S_12", /^distributor: no memory requests$/, (v) => delete v.distributor.resources.requests],
      ["CKV_K8S_13", /^compactor: no memory limits$/, (v) => (v.compactor.resources = {})],
      ["CKV_K8S_9", /^loki: readinessProbe removed$/, (v) => (v.loki.readinessProbe = {})],
      ["CKV_K8S_22/CKV_K8S_20/CKV_K8S_28/CKV_K8S_37", /^loki\.containerSecurityContext: writable root/, (v) => (v.loki.containerSecurityContext = { readOnlyRootFilesystem: false })],
      [
        "CKV_K8S_22/CKV_K8S_20/CKV_K8S_28/CKV_K8S_37",
        /^gateway\.containerSecurityContext: privilege escalation/,
        (v) => (v.gateway = { ...v.gateway, containerSecurityContext: { allowPrivilegeEscalation: true } }),
      ],
      ["CKV_K8S_22/CKV_K8S_20/CKV_K8S_28/CKV_K8S_37", /^memcached\.containerSecurityContext: capabilities not dropped$/, (v) => (v.memcached = { containerSecurityContext: { capabilities: { drop: ["NET_RAW"] } } })],
      ["CKV_K8S_14", /^loki\.image: tag "latest" floats$/, (v) => (v.loki.image = { tag: "latest" })],
      ["K8S_HOSTPATH_READ_ONLY", /^ingester\.extraVolumes: hostPath \/var\/lib$/, (v) => (v.ingester.extraVolumes = [{ name: "host", hostPath: { path: "/var/lib" } }])],
      ["CKV_K8S_38", /^serviceAccount: mounts an API token/, (v) => (v.serviceAccount.automountServiceAccountToken = true)],
    ])("fails %s with %s", (id, finding, edit) => {
      const c = [...VALUES_CHECKS, VALUES_TOKEN_CHECK].find((k) => k.id === id) as (typeof VALUES_CHECKS)[number];
      const broken = values();
      edit(broken);
      expect(c.run(values())).not.toContainEqual(expect.stringMatching(finding));
      expect(c.run(broken)).toContainEqual(expect.stringMatching(finding));
    });
  });
});

describe("checks skipped on purpose, with the reason a reviewer reads", () => {
  it.each([
    ["CKV_AWS_18", "aws_s3_bucket_logging"],
    ["CKV_AWS_144", "aws_s3_bucket_replication_configuration"],
    ["CKV2_AWS_62", "aws_s3_bucket_notification"],
  ])("given %s then the stacks deliberately create no %s, and the decision is written down", (id, type) => {
    expect(SKIPPED_CHECKS[id]).toEqual(expect.stringMatching(/^S3 [a-z -]+: .{40,}/));
    for (const name of s3Stacks) expect(resourcesOf(stack(name), type)).toEqual([]);
  });
});

