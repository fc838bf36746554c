/**
 * Authenticated access through the gateway, with the real programs: the nginx config the real chart renders for a stack
 * with several tenants (and the htpasswd it renders from the stack's bcrypt hashes), run by Debian's nginx (NGINX_BIN)
 * in front of the real Loki of the chart's version. Each denial is its own test: no credentials, a wrong password, one
 * tenant reading or writing another's logs, a forged X-Scope-OrgID. Chart 18.11.0 only: the stack refuses several
 * tenants on 6.29.0 (gateway-6.29.0.test.ts shows why, with the same programs).
 */
import { E2E_TIMEOUTS, Program, waitFor } from "./support/e2e/processes";
import { GatewayClient, GatewayUser, prepareGateway, startGateway } from "./support/e2e/gateway";
import { E2eFile } from "./support/e2e/harness";
import { LokiClient, prepareLoki, startLoki } from "./support/e2e/loki";
import { E2eStack, e2eStack, TENANT_E2E_STACKS } from "./support/e2e/stacks";

jest.setTimeout(E2E_TIMEOUTS.testMs);

/** Each tenant's lines, pushed through the gateway as the tenant, with a marker no other tenant's lines carry. */
const LABELS = { job: "gateway-test" };
const lineOf = (tenant: string, what: string) => `tenant=${tenant} ${what}`;

interface GatewayRun {
  readonly stack: E2eStack;
  readonly gateway: GatewayClient;
  readonly loki: LokiClient;
  readonly users: Readonly<Record<string, GatewayUser>>;
  readonly programs: readonly Program[];
  /** The gateway's answers to each tenant's own push. */
  readonly pushes: Readonly<Record<string, number>>;
}

const stacks = TENANT_E2E_STACKS.map(e2eStack);
const file = new E2eFile<GatewayRun>("gateway");

beforeAll(
  () =>
    file.startAll(stacks, async (stack) => {
      const site = await file.site();
      const lokiPrepared = prepareLoki(site, stack);
      const gatewayPrepared = prepareGateway(site, stack);
      const lokiProgram = await startLoki(file.programs, lokiPrepared);
      const gatewayProgram = await startGateway(file.programs, gatewayPrepared);
      const gateway = new GatewayClient(site);
      const loki = new LokiClient(site.ports.lokiHttp);
      const users = Object.fromEntries(stack.tenants.map((t) => [t, { user: t, password: stack.passwords[t] }]));
      const pushes: Record<string, number> = {};
      for (const tenant of stack.tenants) pushes[tenant] = (await gateway.pushOnce(LABELS, [lineOf(tenant, "own line")], { as: users[tenant] })).status;
      // Every tenant's own line is in Loki, under that tenant, before the denials are tried.
      await waitFor(
        "each tenant's own line in Loki",
        async () => {
          for (const tenant of stack.tenants) {
            const lines = await loki.query(`{job="gateway-test"}`, Date.now() - 3_600_000, Date.now() + 60_000, tenant);
            if (!lines.some((l) => l.line === lineOf(tenant, "own line"))) return undefined;
          }
          return true;
        },
        { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs: [lokiProgram, gatewayProgram] },
      );
      return { stack, gateway, loki, users, programs: [lokiProgram, gatewayProgram], pushes };
    }),
  E2E_TIMEOUTS.testMs,
);
afterAll(() => file.cleanup(), E2E_TIMEOUTS.testMs);

describe.each(stacks.map((s) => [s.description, s] as const))("the gateway with several tenants: %s", (_, stack) => {
  /** Two tenants that are not the platform tenant: A and B. */
  const [a, b] = stack.tenants.filter((t) => t !== stack.tenant);

  test("given the chart's nginx config and htpasswd, then every tenant pushes as itself and its line is stored under it", async () => {
    const run = await file.run(stack);
    expect(stack.tenants.length).toBeGreaterThanOrEqual(3);
    expect(run.pushes).toEqual(Object.fromEntries(stack.tenants.map((t) => [t, 204])));
    for (const tenant of stack.tenants) expect(await run.gateway.lines(`{job="gateway-test"}`, { as: run.users[tenant] })).toEqual([lineOf(tenant, "own line")]);
  });

  test("given no credentials, when a client pushes, queries or reads rules through the gateway, then nginx answers 401, a tenant header alone included", async () => {
    const run = await file.run(stack);
    const answers = [
      (await run.gateway.push(LABELS, [lineOf("nobody", "anonymous")])).status,
      (await run.gateway.push(LABELS, [lineOf("nobody", "anonymous")], { headers: { "X-Scope-OrgID": a } })).status,
      (await run.gateway.request("GET", `/loki/api/v1/query_range?query=${encodeURIComponent('{job="gateway-test"}')}`)).status,
      (await run.gateway.request("GET", `/loki/api/v1/query_range?query=${encodeURIComponent('{job="gateway-test"}')}`, { headers: { "X-Scope-OrgID": a } })).status,
      (await run.gateway.request("GET", "/loki/api/v1/labels", { headers: { "X-Scope-OrgID": b } })).status,
      (await run.gateway.request("GET", "/loki/api/v1/rules", { headers: { "X-Scope-OrgID": a } })).status,
    ];
    expect(answers).toEqual([401, 401, 401, 401, 401, 401]);
    expect((await run.loki.query(`{job="gateway-test"} |= "anonymous"`, Date.now() - 3_600_000, Date.now() + 60_000, a)).length).toBe(0);
  });

  test("given a wrong password, or another tenant's password under a tenant's name, then nginx answers 401", async () => {
    const run = await file.run(stack);
    const wrong = { user: a, password: `${run.users[a].password}x` };
    const swapped = { user: a, password: run.users[b].password };
    const answers = [
      (await run.gateway.push(LABELS, [lineOf(a, "wrong password")], { as: wrong })).status,
      (await run.gateway.lines(`{job="gateway-test"}`, { as: wrong }).then(() => 200, (e: Error) => Number(/: (\d{3}) /.exec(e.message)?.[1]))),
      (await run.gateway.push(LABELS, [lineOf(a, "swapped password")], { as: swapped })).status,
      (await run.gateway.request("GET", "/loki/api/v1/labels", { as: swapped })).status,
    ];
    expect(answers).toEqual([401, 401, 401, 401]);
  });

  test("given tenant A, then it cannot read tenant B's logs: A's queries hold none of B's lines, and B's own queries do", async () => {
    const run = await file.run(stack);
    expect(await run.gateway.lines(`{job="gateway-test"}`, { as: run.users[a] })).not.toContain(lineOf(b, "own line"));
    expect(await run.gateway.lines(`{job="gateway-test"} |= "tenant=${b}"`, { as: run.users[a] })).toEqual([]);
    expect(await run.gateway.lines(`{job="gateway-test"} |= "tenant=${b}"`, { as: run.users[b] })).toEqual([lineOf(b, "own line")]);
  });

  test("given tenant A, then it cannot write into tenant B: a push with B's tenant header lands under A, never under B", async () => {
    const run = await file.run(stack);
    const answer = await run.gateway.push(LABELS, [lineOf(a, `asks to write into ${b}`)], { as: run.users[a], headers: { "X-Scope-OrgID": b } });
    expect(answer.status).toBe(204);
    await waitFor(
      "A's line under A",
      async () => ((await run.gateway.lines(`{job="gateway-test"} |= "asks to write into"`, { as: run.users[a] })).length > 0 ? true : undefined),
      { timeoutMs: E2E_TIMEOUTS.arriveMs, intervalMs: 1_000, programs: run.programs },
    );
    // Asked of Loki itself, as B: nothing of A's arrived there.
    expect((await run.loki.query(`{job="gateway-test"} |= "asks to write into"`, Date.now() - 3_600_000, Date.now() + 60_000, b)).map((e) => e.line)).toEqual([]);
    expect((await run.loki.query(`{job="gateway-test"} |= "asks to write into"`, Date.now() - 3_600_000, Date.now() + 60_000, a)).map((e) => e.line)).toEqual([lineOf(a, `asks to write into ${b}`)]);
  });

  test("given a forged X-Scope-OrgID (another tenant, another spelling, several tenants at once), then A's queries, labels and rules answer exactly as without it", async () => {
    const run = await file.run(stack);
    const as = run.users[a];
    const query = `{job="gateway-test"}`;
    const plain = await run.gateway.lines(query, { as });
    const plainRules = await run.gateway.request("GET", "/loki/api/v1/rules", { as });
    const plainLabels = await run.gateway.request("GET", "/loki/api/v1/label/job/values", { as });
    expect(plain).toContain(lineOf(a, "own line"));
    expect(plainRules.status).toBe(200);
    const forgeries: Record<string, string>[] = [{ "X-Scope-OrgID": b }, { "x-scope-orgid": b }, { "X-Scope-OrgID": `${a}|${b}` }, { "X-Scope-OrgID": stack.tenant }];
    for (const forged of forgeries) {
      expect([forged, await run.gateway.lines(query, { as, headers: forged })]).toEqual([forged, plain]);
      expect([forged, (await run.gateway.request("GET", "/loki/api/v1/rules", { as, headers: forged })).body]).toEqual([forged, plainRules.body]);
      expect([forged, (await run.gateway.request("GET", "/loki/api/v1/label/job/values", { as, headers: forged })).body]).toEqual([forged, plainLabels.body]);
    }
    // A's rules are A's own groups: the ruler's per-tenant directory, not B's.
    expect(plainRules.body).toContain(`${a}-`);
    expect(plainRules.body).not.toContain(`${b}-`);
  });
});
