/**
 * Why the stack refuses several tenants on chart 6.29.0, shown with the real programs: the chart's own basic auth for
 * two tenants (`loki.tenants` with passwords, the only form 6.29.0 takes, and `gateway.basicAuth.enabled`), rendered by
 * the real chart 6.29.0 over the reference stack's values, run by Debian's nginx in front of Loki 3.4.2. Its nginx config
 * sets X-Scope-OrgID from the user only at the http level; the query locations set headers of their own, so nginx drops
 * the inherited one there (grafana/loki#16938, fixed by #18414, which 18.11.0 has).
 */
import { parseDocument } from "yaml";
import { ConfigError, LokiStack } from "../lib";
import { ENVIRONMENTS } from "../environments";
import { GatewayClient, prepareGateway, startGateway } from "./support/e2e/gateway";
import { E2eFile } from "./support/e2e/harness";
import { LokiClient, prepareLoki, startLoki } from "./support/e2e/loki";
import { E2E_TIMEOUTS, waitFor } from "./support/e2e/processes";
import { E2eStack, e2eStack } from "./support/e2e/stacks";
import { renderLoki } from "./support/render";
import { testApp } from "../__tests__/support/synth";

jest.setTimeout(E2E_TIMEOUTS.testMs);

const TENANTS = { "team-a": "password-of-team-a", "team-b": "password-of-team-b" } as const;
const PROPS = { ...ENVIRONMENTS["loki-s3"], chartVersion: "6.29.0" as const, tenant: "team-a" };

/** The reference stack on 6.29.0 with one tenant, its values given the chart's own basic auth for two tenants, rendered again. */
function withChartBasicAuth(): E2eStack {
  const stack = e2eStack(["loki-s3 on chart 6.29.0 with the chart's basic auth for two tenants", "loki-s3", PROPS]);
  const values = parseDocument(stack.real.release.valuesYaml, { version: "1.1" });
  values.setIn(["loki", "tenants"], values.createNode(Object.entries(TENANTS).map(([name, password]) => ({ name, password }))));
  values.setIn(["gateway", "basicAuth"], values.createNode({ enabled: true }));
  const real = { ...stack.real, release: { ...stack.real.release, valuesYaml: values.toString({ lineWidth: 0 }) } };
  const rendered = renderLoki(real);
  if (rendered.status !== 0) throw new Error(`chart 6.29.0 refused its own basic auth: ${rendered.stderr}`);
  return { ...stack, real, rendered };
}

const stack = withChartBasicAuth();
const file = new E2eFile<{ gateway: GatewayClient; loki: LokiClient }>("gateway-6-29-0");

beforeAll(
  () =>
    file.startAll([stack], async () => {
      const site = await file.site();
      const loki = prepareLoki(site, stack);
      const gateway = prepareGateway(site, stack);
      const programs = [await startLoki(file.programs, loki), await startGateway(file.programs, gateway)];
      const client = new GatewayClient(site);
      const lokiClient = new LokiClient(site.ports.lokiHttp);
      // team-b's line, pushed as team-b: the push location has no header of its own, so it inherits the tenant.
      const pushed = await client.pushOnce({ job: "bug" }, ["a line of team-b"], { as: { user: "team-b", password: TENANTS["team-b"] } });
      if (pushed.status !== 204) throw new Error(`push as team-b: ${pushed.status} ${pushed.body}`);
      await waitFor(
        "team-b's line in Loki",
        async () => ((await lokiClient.query(`{job="bug"}`, Date.now() - 3_600_000, Date.now() + 60_000, "team-b")).length > 0 ? true : undefined),
        { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs },
      );
      return { gateway: client, loki: lokiClient };
    }),
  E2E_TIMEOUTS.testMs,
);
afterAll(() => file.cleanup(), E2E_TIMEOUTS.testMs);

describe("chart 6.29.0's gateway with basic auth for two tenants (why the stack refuses tenants there)", () => {
  test("given tenants on chart 6.29.0, then the stack refuses them with one ConfigError that names the chart's bug", () => {
    let error: unknown;
    try {
      new LokiStack(testApp(), "refused", { ...PROPS, tenant: undefined, tenants: { "team-a": { namespaces: ["shop"] } } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe("tenants");
    expect((error as ConfigError).message).toMatch(/grafana\/loki#16938/);
  });

  test("given team-a's credentials and no tenant header, when it queries through the gateway, then the query reaches Loki without a tenant", async () => {
    const { gateway } = await file.run(stack);
    const answer = await gateway.request("GET", `/loki/api/v1/query_range?query=${encodeURIComponent('{job="bug"}')}`, { as: { user: "team-a", password: TENANTS["team-a"] } });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatch(/no org id/);
  });

  test("given team-a's credentials and a forged X-Scope-OrgID of team-b, when it queries through the gateway, then it reads team-b's lines", async () => {
    const { gateway } = await file.run(stack);
    const lines = await gateway.lines(`{job="bug"}`, { as: { user: "team-a", password: TENANTS["team-a"] }, headers: { "X-Scope-OrgID": "team-b" } });
    expect(lines).toEqual(["a line of team-b"]);
  });
});
