import { deriveNames, LOKI_GATEWAY_PORT } from "../../lib/names";
import { resolveSettings } from "../../lib/settings";

describe("the gateway names", () => {
  test("given defaults, then the gateway URL is the chart's gateway Service on port 80", () => {
    const names = deriveNames(resolveSettings({ clusterName: "c" }, "t"));
    expect(names.gatewayUrl).toBe("http://loki-gateway.loki.svc.cluster.local:80");
    expect(LOKI_GATEWAY_PORT).toBe(80);
  });

  test("given a release and namespace, then the gateway host follows the release's fullname", () => {
    const names = deriveNames(resolveSettings({ clusterName: "c", releaseName: "logs", namespace: "observability" }, "t"));
    expect(names.gatewayHost).toBe("logs-loki-gateway.observability.svc.cluster.local");
    expect(names.gatewayUrl).toBe("http://logs-loki-gateway.observability.svc.cluster.local:80");
  });
});
