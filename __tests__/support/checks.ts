/**
 * Policy-as-code over synthesized Terraform JSON: the checks a reviewer's scanner runs, each named by
 * its checkov ID where one exists. A check returns its findings; an empty list means it passes.
 * @see https://www.checkov.io/5.Policy%20Index/terraform.html
 */
import { parse as parseYaml } from "yaml";
import { LOKI_COMPONENTS } from "../../lib";
import { Block, many, one, policyDocument, referencedName, resourcesOf, Synthesized } from "./synth";

/** One check: an ID, what it asks, and the findings over a whole stack. */
export interface Check {
  readonly id: string;
  readonly title: string;
  readonly run: (json: Synthesized) => string[];
}

// ---------------------------------------------------------------- S3

/** The blocks of one type that configure a given bucket (`bucket = aws_s3_bucket.<name>.id`). */
function bucketSiblings(json: Synthesized, type: string, bucketName: string): Block[] {
  return resourcesOf(json, type)
    .filter(([, block]) => referencedName(block.bucket, "aws_s3_bucket") === bucketName)
    .map(([, block]) => block);
}

/** Runs a per-bucket predicate over every bucket; each failure names the bucket. */
function perBucket(json: Synthesized, finding: (name: string, bucket: Block) => string | undefined): string[] {
  return resourcesOf(json, "aws_s3_bucket")
    .map(([name, bucket]) => finding(name, bucket))
    .filter((f): f is string => f !== undefined);
}

function encryptionDefaults(json: Synthesized, name: string): Block[] {
  return bucketSiblings(json, "aws_s3_bucket_server_side_encryption_configuration", name).flatMap((c) =>
    many(c.rule).map((r) => one(r.apply_server_side_encryption_by_default) ?? {}),
  );
}

function publicAccessFlag(flag: string) {
  return (json: Synthesized) =>
    perBucket(json, (name) =>
      bucketSiblings(json, "aws_s3_bucket_public_access_block", name).some((b) => b[flag] === true)
        ? undefined
        : `aws_s3_bucket.${name}: public access block without ${flag} = true`,
    );
}

function enabledLifecycleRules(json: Synthesized, name: string): Block[] {
  return bucketSiblings(json, "aws_s3_bucket_lifecycle_configuration", name)
    .flatMap((c) => many(c.rule))
    .filter((r) => r.status === "Enabled");
}

/** A lifecycle rule applies to every object when its filter is empty or has an empty prefix. */
function coversWholeBucket(rule: Block): boolean {
  const filter = one(rule.filter);
  if (filter === undefined) return rule.prefix === undefined || rule.prefix === "";
  return Object.keys(filter).every((k) => k === "prefix") && (filter.prefix ?? "") === "";
}

/** True when an ARN list names the bucket itself and all of its objects. */
function coversBucketAndObjects(resources: unknown, name: string): boolean {
  const list = many(resources) as unknown as string[];
  const arn = `\${aws_s3_bucket.${name}.arn}`;
  return list.includes(arn) && list.includes(`${arn}/*`);
}

function isEveryone(principal: unknown): boolean {
  if (principal === "*") return true;
  const aws = (principal as Block | undefined)?.AWS;
  return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
}

/** The S3 checks. */
export const S3_CHECKS: readonly Check[] = [
  {
    id: "CKV_AWS_21",
    title: "S3 bucket has versioning enabled",
    run: (json) =>
      perBucket(json, (name) =>
        bucketSiblings(json, "aws_s3_bucket_versioning", name).some((v) => one(v.versioning_configuration)?.status === "Enabled")
          ? undefined
          : `aws_s3_bucket.${name}: versioning is not Enabled`,
      ),
  },
  {
    id: "CKV_AWS_19",
    title: "S3 bucket is encrypted at rest by default",
    run: (json) =>
      perBucket(json, (name) =>
        encryptionDefaults(json, name).some((d) => ["AES256", "aws:kms", "aws:kms:dsse"].includes(d.sse_algorithm))
          ? undefined
          : `aws_s3_bucket.${name}: no default server-side encryption`,
      ),
  },
  {
    id: "CKV_AWS_145",
    title: "S3 bucket is encrypted with KMS by default",
    run: (json) =>
      perBucket(json, (name) =>
        encryptionDefaults(json, name).some((d) => d.sse_algorithm === "aws:kms" && typeof d.kms_master_key_id === "string" && d.kms_master_key_id !== "")
          ? undefined
          : `aws_s3_bucket.${name}: default encryption is not SSE-KMS with a key`,
      ),
  },
  {
    id: "CKV2_AWS_6",
    title: "S3 bucket has a public access block",
    run: (json) =>
      perBucket(json, (name) =>
        bucketSiblings(json, "aws_s3_bucket_public_access_block", name).length > 0 ? undefined : `aws_s3_bucket.${name}: no public access block`,
      ),
  },
  { id: "CKV_AWS_53", title: "S3 bucket blocks public ACLs", run: publicAccessFlag("block_public_acls") },
  { id: "CKV_AWS_54", title: "S3 bucket blocks public policies", run: publicAccessFlag("block_public_policy") },
  { id: "CKV_AWS_55", title: "S3 bucket ignores public ACLs", run: publicAccessFlag("ignore_public_acls") },
  { id: "CKV_AWS_56", title: "S3 bucket restricts public buckets", run: publicAccessFlag("restrict_public_buckets") },
  {
    id: "CKV2_AWS_65",
    title: "S3 bucket has ACLs disabled (BucketOwnerEnforced)",
    run: (json) =>
      perBucket(json, (name) =>
        bucketSiblings(json, "aws_s3_bucket_ownership_controls", name).some((o) => one(o.rule)?.object_ownership === "BucketOwnerEnforced")
          ? undefined
          : `aws_s3_bucket.${name}: object ownership is not BucketOwnerEnforced`,
      ),
  },
  {
    id: "CKV2_AWS_61",
    title: "S3 bucket has a lifecycle configuration",
    run: (json) =>
      perBucket(json, (name) => (enabledLifecycleRules(json, name).length > 0 ? undefined : `aws_s3_bucket.${name}: no enabled lifecycle rule`)),
  },
  {
    id: "CKV_AWS_300",
    title: "S3 lifecycle aborts incomplete multipart uploads",
    run: (json) =>
      perBucket(json, (name) =>
        enabledLifecycleRules(json, name).some((r) => coversWholeBucket(r) && Number(one(r.abort_incomplete_multipart_upload)?.days_after_initiation) >= 1)
          ? undefined
          : `aws_s3_bucket.${name}: incomplete multipart uploads are never aborted`,
      ),
  },
  {
    id: "S3_NONCURRENT_VERSION_EXPIRY",
    title: "S3 lifecycle expires noncurrent versions, so versioning does not keep deleted chunks forever",
    run: (json) =>
      perBucket(json, (name) =>
        enabledLifecycleRules(json, name).some((r) => coversWholeBucket(r) && Number(one(r.noncurrent_version_expiration)?.noncurrent_days) >= 1)
          ? undefined
          : `aws_s3_bucket.${name}: noncurrent versions never expire`,
      ),
  },
  {
    id: "S3_TLS_ONLY",
    title: "S3 bucket policy denies every request without TLS (KICS: S3 bucket without SSL in write actions)",
    run: (json) =>
      perBucket(json, (name) => {
        const statements = bucketSiblings(json, "aws_s3_bucket_policy", name).flatMap((p) => many(policyDocument(p.policy as string).Statement));
        const denies = statements.some(
          (s) =>
            s.Effect === "Deny" &&
            isEveryone(s.Principal) &&
            (many(s.Action) as unknown as string[]).some((a) => a === "s3:*" || a === "*") &&
            coversBucketAndObjects(s.Resource, name) &&
            String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false",
        );
        return denies ? undefined : `aws_s3_bucket.${name}: no bucket policy denying aws:SecureTransport = false on the bucket and its objects`;
      }),
  },
];

// ---------------------------------------------------------------- IAM

/** Every identity policy document in the stack, with where it came from. */
function identityPolicies(json: Synthesized): { where: string; statements: Block[] }[] {
  return ["aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"].flatMap((type) =>
    resourcesOf(json, type).map(([name, block]) => ({ where: `${type}.${name}`, statements: many(policyDocument(block.policy as string).Statement) })),
  );
}

function allows(json: Synthesized, finding: (where: string, statement: Block) => string | undefined): string[] {
  return identityPolicies(json).flatMap(({ where, statements }) =>
    statements
      .filter((s) => s.Effect === "Allow")
      .map((s) => finding(where, s))
      .filter((f): f is string => f !== undefined),
  );
}

function trustStatements(json: Synthesized): { where: string; statement: Block }[] {
  return resourcesOf(json, "aws_iam_role").flatMap(([name, role]) =>
    many(policyDocument(role.assume_role_policy as string).Statement).map((statement) => ({ where: `aws_iam_role.${name}`, statement })),
  );
}

const strings = (value: unknown): string[] => many(value) as unknown as string[];

/** What a trust statement must pin down for each kind of principal. */
function trustScopeFinding(where: string, s: Block): string | undefined {
  if (s.Effect !== "Allow") return undefined;
  if (isEveryone(s.Principal) || s.NotPrincipal !== undefined) return `${where}: anyone may assume the role`;
  const equals: Block = s.Condition?.StringEquals ?? {};
  if (s.Principal?.Federated !== undefined) {
    if (s.Condition?.StringLike !== undefined) return `${where}: web-identity trust matches with wildcards (StringLike)`;
    const sub = Object.entries(equals).find(([k]) => k.endsWith(":sub"))?.[1];
    const aud = Object.entries(equals).find(([k]) => k.endsWith(":aud"))?.[1];
    if (typeof sub !== "string" || !/^system:serviceaccount:[a-z0-9-]+:[a-z0-9.-]+$/.test(sub)) return `${where}: web-identity trust does not pin one service account (sub)`;
    if (aud !== "sts.amazonaws.com") return `${where}: web-identity trust does not require the STS audience (aud)`;
    if (strings(s.Action).join() !== "sts:AssumeRoleWithWebIdentity") return `${where}: web-identity trust allows more than sts:AssumeRoleWithWebIdentity`;
  }
  const services = strings(s.Principal?.Service);
  if (services.includes("*")) return `${where}: every service may assume the role`;
  if (services.includes("pods.eks.amazonaws.com")) {
    for (const tag of ["eks-cluster-name", "kubernetes-namespace", "kubernetes-service-account"]) {
      const value = equals[`aws:RequestTag/${tag}`];
      if (typeof value !== "string" || value.includes("*")) return `${where}: Pod Identity trust does not pin ${tag}`;
    }
  }
  return undefined;
}

/** The IAM checks. */
export const IAM_CHECKS: readonly Check[] = [
  {
    id: "CKV_AWS_63",
    title: "no IAM policy allows wildcard actions (not even a whole service, such as s3:*)",
    run: (json) =>
      allows(json, (where, s) => {
        if (s.NotAction !== undefined) return `${where}: ${s.Sid ?? "statement"} allows NotAction`;
        const wild = strings(s.Action).filter((a) => a.includes("*"));
        return wild.length > 0 ? `${where}: ${s.Sid ?? "statement"} allows ${wild.join(", ")}` : undefined;
      }),
  },
  {
    id: "CKV_AWS_355",
    title: "no IAM policy allows actions on every resource",
    run: (json) =>
      allows(json, (where, s) => {
        if (s.NotResource !== undefined) return `${where}: ${s.Sid ?? "statement"} allows NotResource`;
        return strings(s.Resource).some((r) => r === "*" || /^arn:aws[\w-]*:[\w-]+:[\w-]*:[\w*]*:\*$/.test(r))
          ? `${where}: ${s.Sid ?? "statement"} allows every resource`
          : undefined;
      }),
  },
  {
    id: "CKV_AWS_62",
    title: "no IAM policy grants full administrative privileges (*:* on *)",
    run: (json) =>
      allows(json, (where, s) => (strings(s.Action).includes("*") && strings(s.Resource).includes("*") ? `${where}: grants full admin` : undefined)),
  },
  {
    id: "CKV_AWS_60",
    title: "the role's trust allows only a specific principal, scoped to Loki's service account",
    run: (json) => trustStatements(json).map(({ where, statement }) => trustScopeFinding(where, statement)).filter((f): f is string => f !== undefined),
  },
  {
    id: "CKV_AWS_61",
    title: "the role's trust does not let a whole account assume it",
    run: (json) =>
      trustStatements(json)
        .filter(({ statement }) => statement.Effect === "Allow")
        .flatMap(({ where, statement }) =>
          strings(statement.Principal?.AWS)
            .filter((p) => /^\d{12}$/.test(p) || /^arn:aws[\w-]*:iam::\d{12}:root$/.test(p))
            .map((p) => `${where}: account ${p} may assume the role`),
        ),
  },
];

// ---------------------------------------------------------------- Kubernetes

/** One container of one workload. */
export interface ContainerRef {
  readonly where: string;
  readonly container: Block;
  readonly init: boolean;
  readonly pod: Block;
}

const WORKLOAD_TYPE = /^kubernetes_(daemon_?set|deployment|stateful_set|replication_controller|job|cron_job|pod)(_v\d)?$/;

/** The pod spec of a workload resource (a pod's own spec, a template's spec, or a cron job's job template's). */
function podSpecOf(type: string, block: Block): Block | undefined {
  const spec = one(block.spec);
  if (/^kubernetes_pod/.test(type)) return spec;
  if (/^kubernetes_cron_job/.test(type)) return one(one(one(one(one(spec?.job_template)?.spec)?.template)?.spec));
  return one(one(spec?.template)?.spec);
}

/** Every pod-running workload in the stack: its address, namespace and pod spec. */
export function workloadsOf(json: Synthesized): { where: string; namespace: string; pod: Block }[] {
  return Object.entries(json.resource)
    .filter(([type]) => WORKLOAD_TYPE.test(type))
    .flatMap(([type, byName]) =>
      Object.entries(byName).map(([name, block]) => ({
        where: `${type}.${name}`,
        namespace: literal(json, one(block.metadata)?.namespace ?? "default"),
        pod: podSpecOf(type, block) ?? {},
      })),
    );
}

/** Every container of every workload. */
export function containersOf(json: Synthesized): ContainerRef[] {
  return workloadsOf(json).flatMap(({ where, pod }) => [
    ...many(pod.init_container).map((container) => ({ where: `${where}/${container.name}`, container, init: true, pod })),
    ...many(pod.container).map((container) => ({ where: `${where}/${container.name}`, container, init: false, pod })),
  ]);
}

function perContainer(json: Synthesized, finding: (c: ContainerRef) => string | undefined, includeInit = true): string[] {
  return containersOf(json)
    .filter((c) => includeInit || !c.init)
    .map(finding)
    .filter((f): f is string => f !== undefined);
}

function resource(kind: "requests" | "limits", name: "cpu" | "memory") {
  return (json: Synthesized) =>
    perContainer(json, ({ where, container }) => {
      const value = one(container.resources)?.[kind]?.[name];
      return typeof value === "string" && value !== "" ? undefined : `${where}: no ${name} ${kind}`;
    });
}

function probe(kind: "liveness_probe" | "readiness_probe") {
  return (json: Synthesized) => perContainer(json, ({ where, container }) => (one(container[kind]) ? undefined : `${where}: no ${kind}`), false);
}

const securityContext = (c: ContainerRef): Block => one(c.container.security_context) ?? {};

/** The image tag, or undefined for an untagged image; a digest counts as pinned. */
function imageTag(image: string): string | undefined {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return "@digest";
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}

/** Host paths the stack needs to write to; every other hostPath mount must be read-only. */
export type WritableHostPaths = readonly string[];

/** Read-only hostPath check, given the host paths that legitimately need writing. */
export function readOnlyHostPaths(writable: WritableHostPaths): Check {
  return {
    id: "K8S_HOSTPATH_READ_ONLY",
    title: "hostPath volumes are mounted read-only wherever writing is not needed",
    run: (json) =>
      perContainer(json, ({ where, container, pod }) => {
        const hostVolumes = new Map(many(pod.volume).filter((v) => one(v.host_path)).map((v) => [v.name as string, one(v.host_path)?.path as string]));
        const writableMounts = many(container.volume_mount).filter((m) => hostVolumes.has(m.name) && m.read_only !== true);
        const bad = writableMounts.filter((m) => !writable.includes(hostVolumes.get(m.name) as string));
        return bad.length > 0 ? `${where}: writable hostPath ${bad.map((m) => hostVolumes.get(m.name)).join(", ")}` : undefined;
      }),
  };
}

/** The service accounts some (Cluster)RoleBinding grants API access to, as `namespace/name`. */
function boundServiceAccounts(json: Synthesized): Set<string> {
  const bindings = Object.entries(json.resource)
    .filter(([type]) => /^kubernetes_(cluster_)?role_binding(_v\d)?$/.test(type))
    .flatMap(([, byName]) => Object.values(byName));
  return new Set(
    bindings.flatMap((b) =>
      many(b.subject)
        .filter((s) => s.kind === "ServiceAccount")
        .map((s) => `${literal(json, s.namespace ?? one(b.metadata)?.namespace)}/${literal(json, s.name)}`),
    ),
  );
}

/** Names a `${kubernetes_service_account_v1.x.metadata[0].name}` reference resolves to, from the stack. */
function literal(json: Synthesized, value: unknown): string {
  const match = /^\$\{(kubernetes_[a-z_0-9]+)\.([\w-]+)\.metadata\[0\]\.(name|namespace)\}$/.exec(String(value));
  if (!match) return String(value);
  return String(one(json.resource[match[1]]?.[match[2]]?.metadata)?.[match[3]]);
}

/** The Kubernetes checks that need no context. */
export const K8S_CHECKS: readonly Check[] = [
  { id: "CKV_K8S_10", title: "CPU requests are set", run: resource("requests", "cpu") },
  { id: "CKV_K8S_11", title: "CPU limits are set", run: resource("limits", "cpu") },
  { id: "CKV_K8S_12", title: "memory requests are set", run: resource("requests", "memory") },
  { id: "CKV_K8S_13", title: "memory limits are set", run: resource("limits", "memory") },
  { id: "CKV_K8S_8", title: "a liveness probe is configured", run: probe("liveness_probe") },
  { id: "CKV_K8S_9", title: "a readiness probe is configured", run: probe("readiness_probe") },
  {
    id: "CKV_K8S_22",
    title: "the root filesystem is read-only",
    run: (json) => perContainer(json, (c) => (securityContext(c).read_only_root_filesystem === true ? undefined : `${c.where}: writable root filesystem`)),
  },
  {
    id: "CKV_K8S_20",
    title: "privilege escalation is not allowed",
    run: (json) => perContainer(json, (c) => (securityContext(c).allow_privilege_escalation === false ? undefined : `${c.where}: allowPrivilegeEscalation is not false`)),
  },
  {
    id: "CKV_K8S_28/CKV_K8S_37",
    title: "all capabilities are dropped (NET_RAW included)",
    run: (json) =>
      perContainer(json, (c) => {
        const caps = one(securityContext(c).capabilities) ?? {};
        const added = strings(caps.add);
        if (!strings(caps.drop).includes("ALL")) return `${c.where}: capabilities not dropped (drop ALL)`;
        return added.length > 0 ? `${c.where}: adds capabilities ${added.join(", ")}` : undefined;
      }),
  },
  {
    id: "CKV_K8S_14",
    title: "images are pinned to a version tag or digest, never latest",
    run: (json) =>
      perContainer(json, ({ where, container }) => {
        const tag = imageTag(String(container.image ?? ""));
        return tag === undefined || tag === "latest" ? `${where}: image ${container.image} floats` : undefined;
      }),
  },
  {
    id: "CKV_K8S_38",
    title: "service account tokens are mounted only where the workload uses the Kubernetes API",
    run: (json) => {
      const bound = boundServiceAccounts(json);
      return workloadsOf(json)
        .filter(({ pod }) => pod.automount_service_account_token !== false)
        .map(({ where, namespace, pod }) => {
          const account = `${namespace}/${literal(json, pod.service_account_name ?? "default")}`;
          return bound.has(account) ? undefined : `${where}: mounts a token for ${account}, which no role binding uses`;
        })
        .filter((f): f is string => f !== undefined);
    },
  },
];

/** The checks that skip on purpose, with the reason a reviewer reads. */
export const SKIPPED_CHECKS: Readonly<Record<string, string>> = {
  CKV_AWS_18:
    "S3 access logging: Loki's own request volume would fill a second log bucket with no reader; CloudTrail data events are the audit trail when one is required",
  CKV_AWS_144:
    "S3 cross-region replication: the buckets hold logs with a retention of days, not records of truth; replication would double the cost for data that is rebuilt by shipping again",
  CKV2_AWS_62: "S3 event notifications: nothing consumes bucket events; Loki reads its index, not notifications",
  CKV_K8S_43:
    "image digests: images are pinned by exact version tag (CKV_K8S_14), which the settings validate; a digest would have to be bumped by hand on every patch release",
};

// ---------------------------------------------------------------- Loki Helm values

/** The Loki chart's values as the stack passes them (the release's values documents, merged in order). */
export function lokiValuesOf(json: Synthesized): Block {
  const [, release] = resourcesOf(json, "helm_release").find(([, r]) => r.chart === "loki") ?? [];
  if (release === undefined) throw new Error("no Loki helm_release in the stack");
  return many(release.values).reduce<Block>((merged, text) => mergeValues(merged, parseYaml(String(text)) as Block), {});
}

function mergeValues(base: Block, override: Block): Block {
  const out: Block = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    const isMap = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    out[key] = isMap(value) && isMap(out[key]) ? mergeValues(out[key], value) : value;
  }
  return out;
}

/**
 * Pod-running parts of the chart in Distributed mode, with whether they run under the given values
 * (chart 6.29.0 defaults: the gateway, the canary, the memcached exporter and the rules sidecar are on).
 */
export function chartWorkloads(values: Block): { key: string; runs: boolean }[] {
  const on = (key: string) => values[key]?.enabled !== false;
  const replicas = (key: string) => Number(values[key]?.replicas ?? 0) > 0;
  return [
    ...LOKI_COMPONENTS.map((key) => ({ key, runs: replicas(key) && (key !== "ruler" || on("ruler")) })),
    { key: "chunksCache", runs: on("chunksCache") },
    { key: "resultsCache", runs: on("resultsCache") },
    { key: "gateway", runs: on("gateway") },
    { key: "lokiCanary", runs: on("lokiCanary") },
    { key: "memcachedExporter", runs: on("memcachedExporter") && (on("chunksCache") || on("resultsCache")) },
    { key: "sidecar", runs: values.sidecar?.rules?.enabled !== false && replicas("ruler") },
    { key: "minio", runs: values.minio?.enabled === true },
  ];
}

/**
 * Resources chart 6.29.0 renders itself where the values leave them out: MinIO gets requests only,
 * and a memcached cache gets 500m CPU and 1.2 x allocatedMemory, without a CPU limit.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/memcached/_memcached-statefulset.tpl
 */
function chartDefaultResources(key: string, values: Block): Block | undefined {
  if (key === "minio") return { requests: { cpu: "100m", memory: "128Mi" } };
  if (key === "chunksCache" || key === "resultsCache") {
    const allocated = values[key]?.allocatedMemory;
    if (allocated === undefined) return undefined;
    const memory = `${Math.round(Number(allocated) * 1.2)}Mi`;
    return { requests: { cpu: "500m", memory }, limits: { memory } };
  }
  return undefined;
}

/** A check over the Loki chart's values. */
export interface ValuesCheck {
  readonly id: string;
  readonly title: string;
  readonly run: (values: Block) => string[];
}

/** Every `containerSecurityContext` the values set, by its path. */
function securityContextsIn(value: unknown, path = ""): [string, Block][] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value as Block).flatMap(([key, child]) => {
    const here = path === "" ? key : `${path}.${key}`;
    return key === "containerSecurityContext" ? [[here, child as Block] as [string, Block]] : securityContextsIn(child, here);
  });
}

function valuesResource(kind: "requests" | "limits", name: "cpu" | "memory") {
  return (values: Block) =>
    chartWorkloads(values)
      .filter((w) => w.runs)
      .map(({ key }) => {
        const resources = values[key]?.resources ?? chartDefaultResources(key, values);
        const value = resources?.[kind]?.[name];
        return typeof value === "string" || typeof value === "number" ? undefined : `${key}: no ${name} ${kind}`;
      })
      .filter((f): f is string => f !== undefined);
}

/** Walks every `image` block the values set. */
function imagesIn(value: unknown, path = ""): [string, Block][] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value as Block).flatMap(([key, child]) => {
    const here = path === "" ? key : `${path}.${key}`;
    return key === "image" && typeof child === "object" && child !== null ? [[here, child as Block] as [string, Block]] : imagesIn(child, here);
  });
}

/** The checks over the Loki chart's values, where the chart's pod specs come from. */
export const VALUES_CHECKS: readonly ValuesCheck[] = [
  { id: "CKV_K8S_10", title: "every running chart workload requests CPU", run: valuesResource("requests", "cpu") },
  { id: "CKV_K8S_11", title: "every running chart workload has a CPU limit", run: valuesResource("limits", "cpu") },
  { id: "CKV_K8S_12", title: "every running chart workload requests memory", run: valuesResource("requests", "memory") },
  { id: "CKV_K8S_13", title: "every running chart workload has a memory limit", run: valuesResource("limits", "memory") },
  {
    id: "CKV_K8S_9",
    title: "the chart's readiness probes are not switched off",
    run: (values) =>
      [["loki", values.loki?.readinessProbe], ...chartWorkloads(values).map(({ key }) => [key, values[key]?.readinessProbe])]
        .filter(([, probe]) => probe !== undefined && (probe === null || Object.keys(probe as Block).length === 0))
        .map(([key]) => `${key}: readinessProbe removed`),
  },
  {
    id: "CKV_K8S_22/CKV_K8S_20/CKV_K8S_28/CKV_K8S_37",
    title: "no container security context is weakened (the chart's own: read-only root, no escalation, drop ALL)",
    run: (values) =>
      securityContextsIn(values).flatMap(([path, sc]) => {
        const findings: string[] = [];
        if (sc === null) findings.push(`${path}: removed`);
        if (sc?.readOnlyRootFilesystem === false) findings.push(`${path}: writable root filesystem`);
        if (sc?.allowPrivilegeEscalation === true || sc?.privileged === true) findings.push(`${path}: privilege escalation allowed`);
        if (sc?.capabilities !== undefined && !strings(sc.capabilities?.drop).includes("ALL")) findings.push(`${path}: capabilities not dropped`);
        if (strings(sc?.capabilities?.add).length > 0) findings.push(`${path}: adds capabilities`);
        return findings;
      }),
  },
  {
    id: "CKV_K8S_14",
    title: "no image tag floats (unset tags are the chart's own pins for the pinned chart version)",
    run: (values) =>
      imagesIn(values)
        .filter(([, image]) => image.tag !== undefined && image.tag !== null && (String(image.tag) === "" || String(image.tag) === "latest"))
        .map(([path, image]) => `${path}: tag ${JSON.stringify(image.tag)} floats`),
  },
  {
    id: "K8S_HOSTPATH_READ_ONLY",
    title: "no chart workload mounts a host path",
    run: (values) =>
      Object.entries(values)
        .flatMap(([key, v]) => many((v as Block)?.extraVolumes).map((volume) => [key, volume] as const))
        .filter(([, volume]) => volume.hostPath !== undefined)
        .map(([key, volume]) => `${key}.extraVolumes: hostPath ${volume.hostPath.path}`),
  },
];

/** Token automount over the values: the chart's one service account mounts a token only while something in the pods uses the API. */
export const VALUES_TOKEN_CHECK: ValuesCheck = {
  id: "CKV_K8S_38",
  title: "Loki's service account mounts a token only while the rules sidecar, which watches ConfigMaps through the API, runs",
  run: (values) => {
    const automount = values.serviceAccount?.automountServiceAccountToken !== false;
    const sidecar = chartWorkloads(values).find((w) => w.key === "sidecar")?.runs ?? false;
    return automount && !sidecar ? ["serviceAccount: mounts an API token that no Loki container uses"] : [];
  },
};
