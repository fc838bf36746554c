/**
 * Mistakes a user makes in the stack's settings. Each one must stop synth with exactly one
 * ConfigError whose message names the setting, before any resource exists; and through the real
 * app command it must print one line, no stack trace, and leave no partial cdktf.out behind.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, LokiStack, LokiStackProps } from "../../lib";
import { PROCESS_TIMEOUT_MS } from "../support/processes";
import { testApp } from "../support/synth";

// This file starts processes: give each test and hook time for a loaded machine.
jest.setTimeout(PROCESS_TIMEOUT_MS);

const BASE: LokiStackProps = { clusterName: "prod-eks" };
/** The setting path of a rule's expression, such as `ruleGroups["argocd"].rules["ArgoErrors"].expr`. */
const RULE_EXPR = /^ruleGroups\[[^\]]+\]\.rules\[[^\]]+\]\.expr$/;
const ALERT = { alert: "ArgoErrors", expr: 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9' };

/** [mistake, props on top of BASE, the setting the error must name (exactly, or a pattern for indexed rule paths)]. */
const MISTAKES: readonly [string, Partial<LokiStackProps>, string | RegExp][] = [
  ["a bucket name with uppercase and underscores", { chunksBucketName: "Loki_Chunks" }, "chunksBucketName"],
  ["a bucket name shorter than 3 characters", { chunksBucketName: "lk" }, "chunksBucketName"],
  ["a bucket name formatted as an IP address", { chunksBucketName: "192.168.10.20" }, "chunksBucketName"],
  ["a bucket name with two adjacent dots", { rulerBucketName: "loki..ruler" }, "rulerBucketName"],
  ['the chart\'s placeholder bucket name "chunks"', { chunksBucketName: "chunks" }, "chunksBucketName"],
  ['the chart\'s placeholder bucket name "ruler"', { rulerBucketName: "ruler" }, "rulerBucketName"],
  ['the chart\'s placeholder bucket name "admin"', { chunksBucketName: "admin" }, "chunksBucketName"],
  ["the same name for the chunks and ruler buckets", { chunksBucketName: "prod-logs", rulerBucketName: "prod-logs" }, "rulerBucketName"],
  ["a ruler bucket name with singleBucket", { singleBucket: true, rulerBucketName: "prod-ruler" }, "rulerBucketName"],
  ["a namespace with uppercase letters", { namespace: "Loki" }, "namespace"],
  ["a namespace with an underscore", { namespace: "loki_logs" }, "namespace"],
  ["a release name ending in a dash", { releaseName: "loki-" }, "releaseName"],
  ["a release name longer than Helm's 53 characters", { releaseName: "l".repeat(54) }, "releaseName"],
  ["a service account name with a space", { serviceAccountName: "loki sa" }, "serviceAccountName"],
  ["a region given by city", { region: "tokyo" }, "region"],
  ["a region without its number", { region: "ap-northeast" }, "region"],
  ["a state backend region that is not a region", { backend: { bucket: "tf-state-prod", region: "EU" } }, "backend.region"],
  ["a retention below 24h", { retentionPeriod: "12h" }, "retentionPeriod"],
  ["a retention that is not a whole number of days", { retentionPeriod: "36h" }, "retentionPeriod"],
  ["a retention written in days instead of hours", { retentionPeriod: "31d" }, "retentionPeriod"],
  ["a lifecycle backstop equal to the retention", { retentionPeriod: "744h", chunksExpirationDays: 31 }, "chunksExpirationDays"],
  ["a lifecycle backstop shorter than the retention", { retentionPeriod: "2160h", chunksExpirationDays: 30 }, "chunksExpirationDays"],
  ["noncurrent versions that expire after 0 days", { noncurrentVersionExpirationDays: 0 }, "noncurrentVersionExpirationDays"],
  ["a LogQL syntax error", { ruleGroups: [{ name: "argocd", rules: [{ ...ALERT, expr: 'count_over_time({namespace="argocd"} |= [5m]) > 9' }] }] }, RULE_EXPR],
  ["an unbalanced LogQL selector", { ruleGroups: [{ name: "argocd", rules: [{ ...ALERT, expr: 'count_over_time({namespace="argocd" [5m]) > 9' }] }] }, RULE_EXPR],
  ["a log query used as an alert", { ruleGroups: [{ name: "argocd", rules: [{ ...ALERT, expr: '{namespace="argocd"} |= "level=error"' }] }] }, RULE_EXPR],
  ["an empty-compatible selector", { ruleGroups: [{ name: "all", rules: [{ ...ALERT, expr: 'count_over_time({namespace=~".*"} [5m]) > 9' }] }] }, RULE_EXPR],
  ["two alerts with the same name in one group", { ruleGroups: [{ name: "argocd", rules: [ALERT, { ...ALERT }] }] }, /^ruleGroups\[[^\]]+\]\.rules\[[^\]]+\]\.alert$/],
  ["two rule groups with the same name", { ruleGroups: [{ name: "argocd", rules: [ALERT] }, { name: "argocd", rules: [{ ...ALERT, alert: "Other" }] }] }, /^ruleGroups\[[^\]]+\]\.name$/],
  ["an alert duration that is not a duration", { ruleGroups: [{ name: "argocd", rules: [{ ...ALERT, for: "5 minutes" }] }] }, /^ruleGroups\[[^\]]+\]\.rules\[[^\]]+\]\.for$/],
  ["a rule group interval that is not a duration", { ruleGroups: [{ name: "argocd", interval: "1 min", rules: [ALERT] }] }, /^ruleGroups\[[^\]]+\]\.interval$/],
  ["an annotation template that Loki's ruler cannot parse", { ruleGroups: [{ name: "argocd", rules: [{ ...ALERT, annotations: { summary: "{{ $value" } }] }] }, 'ruleGroups["argocd"].rules["ArgoErrors"].annotations.summary'],
  ["$externalURL, which Loki's ruler does not define", { ruleGroups: [{ name: "argocd", rules: [{ ...ALERT, annotations: { runbook: "{{ $externalURL }}/runbooks" } }] }] }, 'ruleGroups["argocd"].rules["ArgoErrors"].annotations.runbook'],
  ["a key the ruler does not know, slipped onto a rule", { ruleGroups: [{ name: "argocd", rules: [{ ...ALERT, severity: "warning" } as unknown as typeof ALERT] }] }, 'ruleGroups["argocd"].rules["ArgoErrors"].severity'],
  ["a tenant while auth is off", { tenant: "team-a", authEnabled: false }, "tenant"],
  ["auth on without a tenant", { authEnabled: true }, "tenant"],
  ["a replication factor above the ingester count", { replicationFactor: 3 }, "replicationFactor"],
  ["zone awareness with fewer than 3 ingesters", { zoneAwareReplication: true, replicas: { ingester: 2 } }, "zoneAwareReplication"],
  ["two compactors", { replicas: { compactor: 2 } }, "replicas.compactor"],
  ["zero queriers", { replicas: { querier: 0 } }, "replicas.querier"],
  ["a replica count for a component that does not exist", { replicas: { gateway: 2 } as unknown as LokiStackProps["replicas"] }, "replicas.gateway"],
  ["a KMS alias instead of a key ARN", { kmsKeyArn: "alias/loki" }, "kmsKeyArn"],
  ["a KMS key ID instead of a key ARN", { kmsKeyArn: "1234abcd-12ab-34cd-56ef-1234567890ab" }, "kmsKeyArn"],
  ["a KMS key with SSE-S3 encryption", { kmsKeyArn: "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", encryption: "SSE-S3" }, "encryption"],
  ["MinIO with a chunks bucket name", { storage: "minio", chunksBucketName: "prod-chunks" }, "chunksBucketName"],
  ["MinIO with Pod Identity", { storage: "minio", identity: "pod-identity" }, "identity"],
  ["MinIO with allowDestroy", { storage: "minio", allowDestroy: true }, "allowDestroy"],
  ["a storage mode that does not exist", { storage: "gcs" as LokiStackProps["storage"] }, "storage"],
  ["a new OIDC provider with Pod Identity", { identity: "pod-identity", createOidcProvider: true }, "createOidcProvider"],
  ["a Fluent Bit image tagged latest", { fluentBit: { image: "cr.fluentbit.io/fluent/fluent-bit:latest" } }, "fluentBit.image"],
  ["a Fluent Bit image without a tag", { fluentBit: { image: "fluent/fluent-bit" } }, "fluentBit.image"],
  ["a Fluent Bit state directory under the read-only /var/log", { fluentBit: { hostStateDir: "/var/log/fluent-bit" } }, "fluentBit.hostStateDir"],
  ["Fluent Bit in Loki's own namespace", { fluentBit: { namespace: "loki" } }, "fluentBit.namespace"],
  ["an Alertmanager URL without a scheme", { alertmanagerUrl: "alertmanager.monitoring:9093" }, "alertmanagerUrl"],
  ["an empty cluster name", { clusterName: "" }, "clusterName"],
  ["a cluster name with a slash", { clusterName: "prod/eks" }, "clusterName"],
  ["a chart version range", { chartVersion: "^6.29.0" as never }, "chartVersion"],
  ["a chart version wildcard", { chartVersion: "6.x" as never }, "chartVersion"],
  ["a chart version the stack does not know", { chartVersion: "6.30.1" as never }, "chartVersion"],
  ["a move off the bundled MinIO with S3 storage", { minioTransition: { newStoreFrom: "2027-01-15" } }, "minioTransition"],
  ["a move off the bundled MinIO on a day that is no date", { storage: "minio", minioTransition: { newStoreFrom: "soon" } }, "minioTransition.newStoreFrom"],
  ["a Helm timeout shorter than a first install", { helmTimeoutSeconds: 60 }, "helmTimeoutSeconds"],
  ["an EBS provisioner next to an existing storage class", { storageClass: "gp2", ebsProvisioner: "ebs.csi.eks.amazonaws.com" }, "ebsProvisioner"],
  ["a zone migration without zone awareness", { zoneMigrationStage: "start" }, "zoneMigrationStage"],
  ["a volume size in disk-vendor units", { ingesterVolumeSize: "10GB" }, "ingesterVolumeSize"],
  ["a chunks cache too small to hold a chunk", { chunksCacheMemoryMb: 8 }, "chunksCacheMemoryMb"],
  ["a Grafana namespace with uppercase letters", { grafana: { namespace: "Monitoring" } }, "grafana.namespace"],
  ["a namespace in two tenants", { tenants: { "team-a": { namespaces: ["shop"] }, "team-b": { namespaces: ["billing", "shop"] } } }, "tenants.team-b.namespaces[1]"],
  ["a tenant name the chart's rule volume refuses", { tenants: { Team_A: { namespaces: ["shop"] } } }, "tenants.Team_A"],
  ["a tenant name with a \"|\", which asks Loki for several tenants at once", { tenants: { "team-a|team-b": { namespaces: ["shop"] } } }, "tenants.team-a|team-b"],
  ["a platform tenant name Loki's rule volume refuses", { platformTenant: "ops_", tenants: { "team-a": { namespaces: ["shop"] } } }, "platformTenant"],
  ["tenants with auth off", { authEnabled: false, tenants: { "team-a": { namespaces: ["shop"] } } }, "authEnabled"],
  ["a tenant beside tenants", { tenant: "team-a", tenants: { "team-a": { namespaces: ["shop"] } } }, "tenant"],
  ["tenants on chart 6.29.0, whose gateway does not isolate them", { chartVersion: "6.29.0", tenants: { "team-a": { namespaces: ["shop"] } } }, "tenants"],
  ["a platform tenant without tenants", { platformTenant: "ops" }, "platformTenant"],
  ["a team tenant that claims no namespace", { tenants: { "team-a": { namespaces: [] } } }, "tenants.team-a.namespaces"],
  ["a tenant's retention that is not whole days", { tenants: { "team-a": { namespaces: ["shop"], retentionPeriod: "36h" } } }, "tenants.team-a.retentionPeriod"],
  ["a tenant's alert with a LogQL syntax error", { tenants: { "team-a": { namespaces: ["shop"], ruleGroups: [{ name: "shop", rules: [{ ...ALERT, expr: 'count_over_time({namespace="shop"} |= [5m]) > 9' }] }] } } }, /^tenants\.team-a\.ruleGroups\[[^\]]+\]\.rules\[[^\]]+\]\.expr$/],
  ["a tenant's query timeout above the global one", { tenants: { "team-a": { namespaces: ["shop"], limits: { queryTimeoutSeconds: 3600 } } } }, "tenants.team-a.limits.queryTimeoutSeconds"],
  ["limits for a tenant that receives no logs", { tenantLimits: { "team-z": { ingestionRateMb: 5 } }, tenants: { "team-a": { namespaces: ["shop"] } } }, "tenantLimits.team-z"],
  ["a rotation beside a credentials Secret you name", { tenants: { "team-a": { namespaces: ["shop"], credentials: { secretName: "team-a-loki", rotation: "2" } } } }, "tenants.team-a.credentials.rotation"],
  ["an agent buffer too small to share among the tenants", { fluentBit: { bufferLimit: "64M" }, tenants: { "team-a": { namespaces: ["shop"] }, "team-b": { namespaces: ["billing"] } } }, "fluentBit.bufferLimit"],
  ["a NetworkPolicy engine the stack does not know", { networkPolicies: { enforcement: "calico" as never } }, "networkPolicies.enforcement"],
  ["a namespace for the gateway that is not a namespace", { networkPolicies: { gatewayNamespaces: ["CI Runners"] } }, "networkPolicies.gatewayNamespaces[0]"],
];

/** Builds the stack and returns what it threw. */
function errorOf(props: LokiStackProps): unknown {
  try {
    new LokiStack(testApp(), "bad-input", props);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("given a mistake in the settings", () => {
  it("then the suite covers at least 25 distinct mistakes", () => {
    expect(new Set(MISTAKES.map(([name]) => name)).size).toBe(MISTAKES.length);
    expect(MISTAKES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(MISTAKES)("fails on %s with one ConfigError naming the setting", (_, props, setting) => {
    const err = errorOf({ ...BASE, ...props });
    expect(err).toBeInstanceOf(ConfigError);
    const { message, setting: named } = err as ConfigError;
    if (typeof setting === "string") expect(named).toBe(setting);
    else expect(named).toMatch(setting);
    expect(message.startsWith(`${named} must be `)).toBe(true);
    expect(message).toMatch(/\(got .+\)/);
    expect(message).not.toContain("\n");
  });

  it("given the same settings without the mistake then the stack builds, so each failure above is caused by its mistake alone", () => {
    expect(errorOf({ ...BASE, ruleGroups: [{ name: "argocd", rules: [ALERT] }] })).toBeUndefined();
  });
});

const FIXTURES: readonly [string, string][] = [
  ["bad-bucket-name.ts", "chunksBucketName"],
  ["bad-retention.ts", "retentionPeriod"],
  ["bad-tenant.ts", "tenant"],
  ["bad-alert-rule.ts", 'ruleGroups["argocd"].rules["ArgoErrors"].expr'],
  ["bad-alert-template.ts", 'ruleGroups["argocd"].rules["HighPercentageError"].annotations.summary'],
  ["bad-second-stack.ts", "replicationFactor"],
  ["bad-platform-rule.ts", 'monitoring.ruleGroups["mine"].rules["LokiPanics"].expr'],
];

interface AppRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly outdir: string;
}

/** Runs the app command on a fixture with CDKTF_OUTDIR pointing at a directory that does not exist yet. */
function runApp(root: string, parent: string, fixture: string): Promise<AppRun> {
  const outdir = join(parent, fixture.replace(/\.ts$/, ""), "cdktf.out");
  mkdirSync(join(outdir, ".."), { recursive: true });
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["scripts/app.cjs", join("__tests__/fixtures", fixture)], { cwd: root, env: { ...process.env, CDKTF_OUTDIR: outdir } });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("close", (status) => done({ status, stderr, outdir }));
  });
}

describe("given the real app command (node scripts/app.cjs) on a fixture with a mistake", () => {
  const root = resolve(__dirname, "../..");
  const parent = mkdtempSync(join(tmpdir(), "loki-bad-input-"));
  const runs = new Map<string, AppRun>();
  beforeAll(async () => {
    // One at a time: side by side, five app processes (~70 MB each) on top of both Jest workers
    // would set the suite's peak memory.
    for (const [fixture] of FIXTURES) runs.set(fixture, await runApp(root, parent, fixture));
  });
  afterAll(() => {
    rmSync(parent, { recursive: true, force: true });
  });

  it.each(FIXTURES)("fails on %s: exit 1, one line on stderr naming %s, no stack trace, and no cdktf.out written", (fixture, setting) => {
    const run = runs.get(fixture) as AppRun;
    expect(run.status).toBe(1);
    const lines = run.stderr.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`Error: ${setting} must be `)).toBe(true);
    expect(run.stderr).not.toMatch(/^ {4}at /m);
    expect(existsSync(join(run.outdir, "manifest.json"))).toBe(false);
    expect(existsSync(join(run.outdir, "stacks"))).toBe(false);
    expect(existsSync(run.outdir)).toBe(false);
  });
});
