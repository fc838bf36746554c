import { chartFullname, LOKI_CHART_VERSIONS, LOKI_GATEWAY_PORT, rulerRulesDirName } from "../../lib/loki/chart";
import { LOKI_CHART, LOKI_CHARTS } from "../../lib/loki/chart-versions";
import { LokiReleaseNamesProps, resolveLokiNames } from "../../lib/loki/loki-props";
import { resolveTenancy } from "../../lib/loki/tenancy";

const names = (props: LokiReleaseNamesProps = {}, chart = LOKI_CHART) => resolveLokiNames(props, "", chart);

describe("chartFullname", () => {
  test.each([
    ["loki", "loki"],
    ["my-loki", "my-loki"],
    ["loki-prod", "loki-prod"],
    ["logs", "logs-loki"],
    ["a".repeat(53), `${"a".repeat(53)}-loki`],
  ])("given release %s, then the chart names its objects %s", (release, fullname) => {
    expect(chartFullname(release)).toBe(fullname);
  });

  test("given a fullname longer than 63 characters, then it is cut to 63 without a trailing dash", () => {
    // 58 + "-bcd" = 62 characters; with "-loki" 67, cut to 63 ends in "-", which the chart trims.
    expect(chartFullname(`${"a".repeat(58)}-bcd`)).toBe(`${"a".repeat(58)}-bcd`);
    expect(chartFullname(`${"a".repeat(53)}`)).toHaveLength(58);
    expect(chartFullname(`${"a".repeat(60)}`)).toBe(`${"a".repeat(60)}-lo`);
  });
});

describe("deriveNames", () => {
  test("given the reference settings, then the distributor is loki-distributor.loki on port 3100", () => {
    const n = names();
    expect(n.distributorHost).toBe("loki-distributor.loki.svc.cluster.local");
    expect(n.distributorPort).toBe(3100);
    expect(n.pushUrl).toBe("http://loki-distributor.loki.svc.cluster.local:3100/loki/api/v1/push");
    expect(n.queryUrl).toBe("http://loki-query-frontend.loki.svc.cluster.local:3100");
    expect(n.serviceAccountSubject).toBe("system:serviceaccount:loki:loki");
  });

  test("given another release and namespace, then every host follows the chart's fullname rule", () => {
    const n = names({ releaseName: "logs", namespace: "observability" });
    expect(n.fullname).toBe("logs-loki");
    expect(n.pushUrl).toBe("http://logs-loki-distributor.observability.svc.cluster.local:3100/loki/api/v1/push");
    expect(n.queryUrl).toBe("http://logs-loki-query-frontend.observability.svc.cluster.local:3100");
    // The chart names its service account after the chart, not the release.
    expect(n.serviceAccountName).toBe("loki");
    expect(n.serviceAccountSubject).toBe("system:serviceaccount:observability:loki");
  });

  test.each(LOKI_CHART_VERSIONS)("given chart %s, then the names follow its own helpers and ports, the same in every version the stack knows", (version) => {
    const chart = LOKI_CHARTS[version];
    const n = names({ releaseName: "logs", namespace: "observability" }, chart);
    expect(n.fullname).toBe(chart.fullname("logs"));
    expect(n.pushUrl).toBe(`http://logs-loki-distributor.observability.svc.cluster.local:${chart.httpPort}${chart.pushPath}`);
    expect(n.gatewayUrl).toBe(`http://logs-loki-gateway.observability.svc.cluster.local:${chart.gatewayPort}`);
    // Set explicitly in every version: since chart 6.46.0 the chart's own default would be the fullname.
    expect(n.serviceAccountName).toBe("loki");
    expect(names({}, chart)).toEqual(names({}, LOKI_CHART));
  });

});

describe("the gateway names", () => {
  test("given defaults, then the gateway URL is the chart's gateway Service on port 80", () => {
    expect(names().gatewayUrl).toBe("http://loki-gateway.loki.svc.cluster.local:80");
    expect(LOKI_GATEWAY_PORT).toBe(80);
  });

  test("given a release and namespace, then the gateway host follows the release's fullname", () => {
    const n = names({ releaseName: "logs", namespace: "observability" });
    expect(n.gatewayHost).toBe("logs-loki-gateway.observability.svc.cluster.local");
    expect(n.gatewayUrl).toBe("http://logs-loki-gateway.observability.svc.cluster.local:80");
  });
});

describe("rulerRulesDirName", () => {
  test.each([
    ["fake", "rules-fake"],
    ["team_a", "rules-team-a"],
    ["Team-A", "rules-team-a"],
  ])("given tenant %s, then the chart mounts its rules as the volume %s", (tenant, volume) => {
    expect(rulerRulesDirName(tenant)).toBe(volume);
  });
});

describe("resolveTenancy", () => {
  test("given nothing, then auth is off and the tenant is Loki's single-tenant name", () => {
    expect(resolveTenancy({})).toEqual({ authEnabled: false, tenant: "fake", tenants: ["fake"] });
  });

  test("given a tenant, then auth is on and the tenant is shared", () => {
    expect(resolveTenancy({ tenant: "team-a" })).toEqual({ authEnabled: true, tenant: "team-a", tenants: ["team-a"] });
  });

  test.each(["a", "team_a", "Team-A1", `${"a".repeat(56)}b`])("given tenant %s, whose rules volume is a DNS-1123 label, then it is accepted", (tenant) => {
    expect(resolveTenancy({ tenant }).tenant).toBe(tenant);
    expect(rulerRulesDirName(tenant)).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  test.each(["team.a", "team-", "team_", "-", "", "a/b", `${"a".repeat(58)}`, "..", "tenant a"])(
    "fails once, with the one tenant message, for tenant %j",
    (tenant) => {
      expect(() => resolveTenancy({ tenant })).toThrow(
        /^tenant must be a tenant of letters, digits, "_" and "-" that ends in a letter or digit, at most 57 characters \(got .*\): the chart mounts the tenant's rules as the volume "rules-.*", which must be a DNS-1123 label$/,
      );
    },
  );

  test("fails for a tenant with auth off, whose logs would land under fake", () => {
    expect(() => resolveTenancy({ tenant: "team-a", authEnabled: false })).toThrow(/^tenant must be unset while authEnabled is false/);
  });

  test("fails for auth without a tenant", () => {
    expect(() => resolveTenancy({ authEnabled: true })).toThrow(/^tenant must be set when authEnabled is true/);
  });

  test("given a prefix, then messages name the setting under it", () => {
    expect(() => resolveTenancy({ authEnabled: true }, "loki.")).toThrow(/^loki\.tenant must be set/);
  });
});
