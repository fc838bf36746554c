/**
 * The access part's pure pieces: the tenants and their checks, the NetworkPolicies settings, and the plan-time
 * conditions (a credentials Secret you named, NetworkPolicy enforcement) evaluated by the real `terraform console`
 * against Secrets, DaemonSets and ConfigMaps as the Kubernetes API returns them: one console for every case.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { namedSecretCheck } from "../../lib/access/credentials";
import { enforcementCheck, resolveNetworkPolicies } from "../../lib/access/network-policies";
import { DEFAULT_PLATFORM_TENANT, resolveTenants, TenantsProps } from "../../lib/access/tenants";
import { ConfigError } from "../../lib/core/validation";
import { PROCESS_TIMEOUT_MS } from "../support/processes";

// This file starts one process (terraform console): give it time on a loaded machine.
jest.setTimeout(PROCESS_TIMEOUT_MS);

const BASE: TenantsProps = { tenants: { "team-a": { namespaces: ["shop", "checkout"] }, "team-b": { namespaces: ["billing"] } }, authEnabled: true, lokiNamespace: "loki" };

describe("resolveTenants", () => {
  test("given two teams, then the platform tenant is added for the unclaimed namespaces, every tenant sorted, with generated credentials", () => {
    const resolved = resolveTenants(BASE);
    expect(resolved.platformTenant).toBe(DEFAULT_PLATFORM_TENANT);
    expect(resolved.tenants.map((t) => [t.name, t.namespaces, t.platform])).toEqual([
      ["platform", [], true],
      ["team-a", ["shop", "checkout"], false],
      ["team-b", ["billing"], false],
    ]);
    expect(resolved.tenants.map((t) => t.credentials)).toEqual([
      { kind: "generated", rotation: "1" },
      { kind: "generated", rotation: "1" },
      { kind: "generated", rotation: "1" },
    ]);
    expect(resolved.claimedNamespaces).toEqual(["billing", "checkout", "shop"]);
  });

  test("given the platform tenant declared with namespaces and a Secret you name, then it keeps them, and the Secret's namespace defaults to Loki's", () => {
    const resolved = resolveTenants({
      ...BASE,
      platformTenant: "ops",
      tenants: { ...BASE.tenants, ops: { namespaces: ["kube-system"], credentials: { secretName: "ops-loki" } } },
    });
    const ops = resolved.tenants.find((t) => t.name === "ops");
    expect(ops).toEqual({ name: "ops", namespaces: ["kube-system"], platform: true, credentials: { kind: "secret", secretName: "ops-loki", secretNamespace: "loki" } });
    expect(resolved.tenants).toHaveLength(3);
  });

  const fails: readonly [string, Partial<TenantsProps>, RegExp][] = [
    ["fails on a namespace in two tenants, naming the other tenant", { tenants: { "team-a": { namespaces: ["shop"] }, "team-b": { namespaces: ["shop"] } } }, /^tenants\.team-b\.namespaces\[0\] must be a namespace no other tenant claims \(tenant "team-a" claims "shop"\)/],
    ["fails on a tenant name with uppercase letters", { tenants: { TeamA: { namespaces: ["shop"] } } }, /^tenants\.TeamA must be a tenant name of lowercase letters/],
    ["fails on a tenant name with a \"|\", which would ask Loki for two tenants", { tenants: { "a|b": { namespaces: ["shop"] } } }, /^tenants\.a\|b must be a tenant name/],
    ["fails on a tenant name longer than the chart's rule volume allows", { tenants: { ["a".repeat(58)]: { namespaces: ["shop"] } } }, /must be a tenant name of lowercase letters, digits and "-".* at most 57 characters/],
    ["fails on tenants with auth off", { authEnabled: false }, /^authEnabled must be true \(or unset\) with tenants \(got false\): with auth off Loki stores every line under tenant "fake"/],
    ["fails on a team tenant that claims no namespace", { tenants: { "team-a": { namespaces: [] } } }, /^tenants\.team-a\.namespaces must be a list of at least one namespace/],
    ["fails on a namespace that is not a DNS-1123 label", { tenants: { "team-a": { namespaces: ["Shop"] } } }, /^tenants\.team-a\.namespaces\[0\] must be a DNS-1123 label/],
    ["fails on a rotation beside a Secret you name", { tenants: { "team-a": { namespaces: ["shop"], credentials: { secretName: "a", rotation: "2" } } } }, /^tenants\.team-a\.credentials\.rotation must be unset with secretName/],
    ["fails on a Secret namespace without a Secret", { tenants: { "team-a": { namespaces: ["shop"], credentials: { secretNamespace: "shop" } } } }, /^tenants\.team-a\.credentials\.secretNamespace must be unset without secretName/],
    ["fails on an empty map of tenants", { tenants: {} }, /^tenants must be a map of tenant name to its namespaces/],
  ];
  test.each(fails)("%s", (_, props, message) => {
    expect(() => resolveTenants({ ...BASE, ...props })).toThrow(ConfigError);
    expect(() => resolveTenants({ ...BASE, ...props })).toThrow(message);
  });
});

describe("resolveNetworkPolicies", () => {
  test("given nothing, then policies are on, enforced by the VPC CNI, with no extra namespace at the gateway", () => {
    expect(resolveNetworkPolicies()).toEqual({ enabled: true, gatewayNamespaces: [], enforcement: "vpc-cni" });
  });

  test("fails on an enforcement the stack does not know, and on a listed namespace that is not a namespace", () => {
    expect(() => resolveNetworkPolicies({ enforcement: "calico" as never }, "networkPolicies.")).toThrow(/^networkPolicies\.enforcement must be "vpc-cni" or "other"/);
    expect(() => resolveNetworkPolicies({ gatewayNamespaces: ["CI"] }, "networkPolicies.")).toThrow(/^networkPolicies\.gatewayNamespaces\[0\] must be a DNS-1123 label/);
  });
});

/** The plan-time conditions over data sources, each with simulated API objects, and whether the condition holds. */
const SECRET_OBJECTS = "data.kubernetes_resources.loki_tenant_team-b_secret.objects";
const DAEMON_SETS = "data.kubernetes_resources.loki_vpc_cni.objects";
const CONFIG_MAPS = "data.kubernetes_resources.loki_vpc_cni_config.objects";
const b64 = (text: string) => Buffer.from(text).toString("base64");
/** A bcrypt hash (cost 10) of "s3cret-password", as htpasswd -nbBC10 writes it: the check reads its form, not its password. */
const BCRYPT = "$2y$10$4Z1Qm7Xv9Jz3lqR0mI2cVOqv7h7m9k2Q5kSgqv3C5vD1T8bX1v6aK";
const secret = (data: Record<string, string>) => [{ apiVersion: "v1", kind: "Secret", metadata: { name: "team-b-loki", namespace: "loki" }, type: "Opaque", data }];
const awsNode = (agentArgs: string[]) => [
  {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "aws-node", namespace: "kube-system" },
    spec: {
      template: {
        spec: {
          containers: [
            { name: "aws-node", image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2" },
            { name: "aws-eks-nodeagent", image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.6", args: agentArgs },
          ],
        },
      },
    },
  },
];
const cniConfig = (data: Record<string, string>) => [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "amazon-vpc-cni", namespace: "kube-system" }, data }];

const CASES: readonly { readonly name: string; readonly check: "secret" | "enforcement"; readonly objects: unknown; readonly configMaps?: unknown; readonly holds: boolean }[] = [
  { name: "a Secret with a password and its bcrypt hash", check: "secret", objects: secret({ password: b64("s3cret-password"), passwordHash: b64(BCRYPT) }), holds: true },
  { name: "no Secret of that name", check: "secret", objects: [], holds: false },
  { name: "no answer at all (null)", check: "secret", objects: null, holds: false },
  { name: "a Secret without a password", check: "secret", objects: secret({ passwordHash: b64(BCRYPT) }), holds: false },
  { name: "a Secret with an empty password", check: "secret", objects: secret({ password: "", passwordHash: b64(BCRYPT) }), holds: false },
  { name: "a Secret whose hash is the password itself", check: "secret", objects: secret({ password: b64("s3cret"), passwordHash: b64("s3cret") }), holds: false },
  { name: "a Secret whose hash is an MD5 crypt, not bcrypt", check: "secret", objects: secret({ password: b64("s3cret"), passwordHash: b64("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/") }), holds: false },
  { name: "the VPC CNI's agent running with network policies on", check: "enforcement", objects: awsNode(["--enable-ipv6=false", "--enable-network-policy=true"]), configMaps: [], holds: true },
  { name: "the VPC CNI's agent running with network policies off", check: "enforcement", objects: awsNode(["--enable-network-policy=false"]), configMaps: cniConfig({}), holds: false },
  { name: "EKS Auto Mode's network policy controller turned on", check: "enforcement", objects: [], configMaps: cniConfig({ "enable-network-policy-controller": "true" }), holds: true },
  { name: "no VPC CNI at all (another CNI, or kind)", check: "enforcement", objects: null, configMaps: null, holds: false },
];

describe("the plan-time conditions, evaluated by the real terraform console", () => {
  let results: boolean[];
  beforeAll(() => {
    const secretCheck = namedSecretCheck(SECRET_OBJECTS, "team-b", "team-b-loki", "loki").condition;
    const enforcement = enforcementCheck(DAEMON_SETS, CONFIG_MAPS).condition;
    const dir = mkdtempSync(join(tmpdir(), "loki-access-"));
    try {
      writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ locals: { cases: CASES.map((c) => ({ objects: c.objects, configMaps: c.configMaps ?? null })) } }));
      const expressions = CASES.map((c, i) =>
        (c.check === "secret" ? secretCheck : enforcement)
          .replace(/^\$\{([\s\S]*)\}$/, "$1")
          .split(SECRET_OBJECTS)
          .join(`local.cases[${i}].objects`)
          .split(DAEMON_SETS)
          .join(`local.cases[${i}].objects`)
          .split(CONFIG_MAPS)
          .join(`local.cases[${i}].configMaps`),
      );
      const run = spawnSync("terraform", ["console"], {
        cwd: dir,
        input: `jsonencode([${expressions.join(", ")}])\n`,
        encoding: "utf8",
        timeout: PROCESS_TIMEOUT_MS,
        env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" },
      });
      if (run.status !== 0) throw new Error(`terraform console failed: ${run.stderr}`);
      results = JSON.parse(JSON.parse(run.stdout.trim())) as boolean[];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each(CASES.map((c, i) => [c.name, c, i] as const))("given %s, then the condition is as expected", (_, c, i) => {
    expect(results[i]).toBe(c.holds);
  });

  test("given the messages, then each names the setting, what to do, and the README section", () => {
    expect(namedSecretCheck(SECRET_OBJECTS, "team-b", "team-b-loki", "loki").errorMessage).toMatch(/^tenants\.team-b\.credentials names the Secret loki\/team-b-loki, which does not exist .*README\.md#rotating-a-tenants-credentials\.$/);
    expect(enforcementCheck(DAEMON_SETS, CONFIG_MAPS).errorMessage).toMatch(/^networkPolicies\.enforcement is "vpc-cni", but .*enableNetworkPolicy: "true".*networkPolicies\.enforcement: "other".*networkPolicies\.enabled: false/);
  });
});
