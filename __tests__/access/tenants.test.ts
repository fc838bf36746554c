/**
 * The access part's pure pieces: the tenants and their checks, the NetworkPolicies settings, and the messages of the
 * plan-time conditions (the conditions themselves are evaluated by the real terraform console in
 * real/plan-guards-access.test.ts).
 */
import { namedSecretCheck } from "../../lib/access/credentials";
import { enforcementCheck, resolveNetworkPolicies } from "../../lib/access/network-policies";
import { DEFAULT_PLATFORM_TENANT, resolveTenants, TenantsProps } from "../../lib/access/tenants";
import { ConfigError } from "../../lib/core/validation";

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

describe("the plan-time conditions' messages", () => {
  const SECRET_OBJECTS = "data.kubernetes_resources.loki_tenant_team-b_secret.objects";
  const DAEMON_SETS = "data.kubernetes_resources.loki_vpc_cni.objects";
  const CONFIG_MAPS = "data.kubernetes_resources.loki_vpc_cni_config.objects";

  test("given the messages, then each names the setting, what to do, and the README section", () => {
    expect(namedSecretCheck(SECRET_OBJECTS, "team-b", "team-b-loki", "loki").errorMessage).toMatch(/^tenants\.team-b\.credentials names the Secret loki\/team-b-loki, which does not exist .*README\.md#rotating-a-tenants-credentials\.$/);
    expect(enforcementCheck(DAEMON_SETS, CONFIG_MAPS).errorMessage).toMatch(/^networkPolicies\.enforcement is "vpc-cni", but .*enableNetworkPolicy: "true".*networkPolicies\.enforcement: "other".*networkPolicies\.enabled: false/);
  });
});
