import { chartFullname, deriveNames } from "../lib/names";
import { LokiStackProps, resolveSettings } from "../lib/settings";

const names = (props: Partial<LokiStackProps> = {}) => deriveNames(resolveSettings({ clusterName: "prod-eks", ...props }, "test"));

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
    expect(n.tenant).toBe("fake");
    expect(n.authEnabled).toBe(false);
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

  test("given a tenant, then auth is on and the tenant is shared", () => {
    const n = names({ tenant: "team-a" });
    expect(n.authEnabled).toBe(true);
    expect(n.tenant).toBe("team-a");
  });
});
