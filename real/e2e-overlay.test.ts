/**
 * The one listed overlay: the configs the end-to-end tests run Loki and Fluent Bit with are the generated ones, changed
 * at exactly the listed paths and nowhere else, with every host path moved under the run's temp root.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { Json } from "../__tests__/support/json";
import { prepareFluentBit, PreparedFluentBit } from "./support/e2e/fluent-bit";
import { ALL_TARGET_COVERS, lokiConfigPath, mountedFiles, prepareLoki, PreparedLoki, renderedTargets } from "./support/e2e/loki";
import { absolutePaths, FLUENT_BIT_OVERLAY, LOKI_OVERLAY, overlayDifferences, pathText } from "./support/e2e/overlay";
import { NGINX_CONF, NGINX_OVERLAY, nginxOverlayDifferences, prepareGateway, PreparedGateway } from "./support/e2e/gateway";
import { LaptopSite } from "./support/e2e/site";
import { E2E_STACKS, e2eStack, TENANT_E2E_STACKS } from "./support/e2e/stacks";

describe.each(E2E_STACKS)("end-to-end overlay: %s", (...entry) => {
  const stack = e2eStack(entry);
  let site: LaptopSite;
  let loki: PreparedLoki;
  let fluentBit: PreparedFluentBit;

  beforeAll(async () => {
    site = await LaptopSite.create("overlay");
    loki = prepareLoki(site, stack);
    fluentBit = prepareFluentBit(site, stack);
  });
  afterAll(() => site?.remove());

  test("given the Loki config the chart renders, when it is written for the laptop, then it differs from the render at exactly the listed paths", () => {
    const generated = parse(loki.generatedYaml) as Json;
    const laptop = parse(readFileSync(loki.configFile, "utf8")) as Json;
    expect(loki.overlaid.applied.every((a) => LOKI_OVERLAY.includes(a.entry))).toBe(true);
    expect(overlayDifferences(generated, laptop, loki.overlaid.applied.map((a) => a.path))).toEqual({ unlisted: [], unchanged: [] });
    // Addresses and storage, not just paths, are what make it a laptop: the entries that must always apply do.
    expect(laptop.server.http_listen_address).toBe("127.0.0.1");
    expect(laptop.common.storage).toEqual({ filesystem: { chunks_directory: `${site.hostPath(generated.common.path_prefix)}/chunks` } });
    expect(laptop.ruler.alertmanager_url).toBe(`http://127.0.0.1:${site.ports.alertmanager}`);
  });

  test("given the Fluent Bit config the stack generates, when it is written for the laptop, then it differs from it at exactly the listed paths", () => {
    const generated = parse(stack.fluentBitConfigYaml) as Json;
    const laptop = parse(readFileSync(fluentBit.configFile, "utf8")) as Json;
    expect(fluentBit.overlaid.applied.every((a) => FLUENT_BIT_OVERLAY.includes(a.entry))).toBe(true);
    expect(overlayDifferences(generated, laptop, fluentBit.overlaid.applied.map((a) => a.path))).toEqual({ unlisted: [], unchanged: [] });
    expect(fluentBit.overlaid.applied.map((a) => pathText(a.path))).toEqual(expect.arrayContaining(["pipeline.outputs[0].host", "pipeline.outputs[0].port"]));
    // The tenant, labels, structured metadata and line shaping are the stack's own.
    const output = (laptop.pipeline.outputs as Json[]).find((o) => o.name === "loki") as Json;
    expect(output.tenant_id).toBe(stack.authEnabled ? stack.tenant : undefined);
  });

  test("given the laptop configs, then every host path they name lies under the run's temp root", () => {
    const laptopLoki = parse(readFileSync(loki.configFile, "utf8"));
    const laptopFluentBit = parse(readFileSync(fluentBit.configFile, "utf8"));
    const outside = [...absolutePaths(laptopLoki), ...absolutePaths(laptopFluentBit, ["uri"])].filter((p) => !site.contains(p.value));
    expect(outside).toEqual([]);
  });

  test("given the Loki pods' ConfigMap mounts, then the config, the runtime config and the rules are written at their mount paths under the host root", () => {
    const files = mountedFiles(stack.rendered);
    expect([...files.keys()]).toEqual(expect.arrayContaining([lokiConfigPath(stack.rendered)]));
    const rulesDir = (parse(loki.generatedYaml) as Json).ruler.storage.local.directory as string;
    const ruleFiles = [...files.keys()].filter((p) => p.startsWith(`${rulesDir}/`));
    // The chart mounts a tenant's rules at <rules directory>/<tenant>/, where the ruler looks for that tenant's groups.
    expect(ruleFiles.length).toBeGreaterThan(0);
    expect(ruleFiles.every((p) => p.startsWith(`${rulesDir}/${stack.tenant}/`))).toBe(true);
    for (const path of ruleFiles) expect(readFileSync(site.hostPath(path), "utf8")).toBe(files.get(path));
  });

  test("given the Loki components the render runs, then one `-target=all` process covers each of them", () => {
    const targets = renderedTargets(stack.rendered);
    expect(targets).toEqual(expect.arrayContaining(["distributor", "ingester", "querier", "query-frontend", "ruler", "compactor"]));
    expect(targets.filter((t) => ALL_TARGET_COVERS[t] === undefined)).toEqual([]);
    expect(loki.args).toEqual(expect.arrayContaining([`-config.file=${loki.configFile}`, "-target=all"]));
    // Flags every Loki pod passes are kept, with the pod's $(VAR) references expanded as the kubelet would.
    expect(loki.args.filter((a) => a.includes("$("))).toEqual([]);
  });
});

describe.each(TENANT_E2E_STACKS)("end-to-end overlay with several tenants: %s", (...entry) => {
  const stack = e2eStack(entry);
  let site: LaptopSite;
  let fluentBit: PreparedFluentBit;
  let gateway: PreparedGateway;

  beforeAll(async () => {
    site = await LaptopSite.create("overlay-tenants");
    gateway = prepareGateway(site, stack);
    fluentBit = prepareFluentBit(site, stack);
  });
  afterAll(() => site?.remove());

  test("given the Fluent Bit config with one output per tenant, when it is written for the laptop, then each output's host and port point at the local gateway, and nothing else changes", () => {
    const generated = parse(stack.fluentBitConfigYaml) as Json;
    const laptop = parse(readFileSync(fluentBit.configFile, "utf8")) as Json;
    expect(overlayDifferences(generated, laptop, fluentBit.overlaid.applied.map((a) => a.path))).toEqual({ unlisted: [], unchanged: [] });
    const outputs = (laptop.pipeline.outputs as Json[]).filter((o) => o.name === "loki");
    expect(outputs).toHaveLength(stack.tenants.length);
    for (const output of outputs) expect({ host: output.host, port: output.port }).toEqual({ host: "127.0.0.1", port: site.ports.gateway });
    // The users, the password variables and the tenant routing are the stack's own.
    expect(outputs.map((o) => o.http_user).sort()).toEqual([...stack.tenants]);
    expect(Object.keys(fluentBit.env).sort()).toEqual(outputs.map((o) => String(o.http_passwd).replace(/^\$\{(.*)\}$/, "$1")).sort());
  });

  test("given the gateway's nginx config the chart renders, when it is written for the laptop, then it differs from the render at exactly the listed directive lines", () => {
    const laptop = readFileSync(gateway.confFile, "utf8");
    expect(gateway.overlaid.applied.every((a) => NGINX_OVERLAY.includes(a.entry))).toBe(true);
    expect(nginxOverlayDifferences(gateway.rendered, laptop, gateway.overlaid.applied)).toEqual({ unlisted: [], unchanged: [] });
    // Every location still sets the tenant from the authenticated user: the overlay leaves auth and headers alone.
    expect(laptop.match(/proxy_set_header X-Scope-OrgID \$remote_user;/g)?.length).toBe(gateway.rendered.match(/proxy_set_header X-Scope-OrgID \$remote_user;/g)?.length);
    expect(laptop).toMatch(/auth_basic\s+"Loki";/);
  });

  test("given the laptop nginx config, then every absolute path it names lies under the run's temp root", () => {
    const laptop = readFileSync(gateway.confFile, "utf8");
    const paths = [...laptop.matchAll(/^\s*(?:pid|\w+_temp_path|auth_basic_user_file)\s+(\/\S+);/gm)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(5);
    expect(paths.filter((p) => !site.contains(p))).toEqual([]);
    expect(gateway.confFile).toBe(site.hostPath(NGINX_CONF));
  });
});

describe("end-to-end overlay: README", () => {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  const section = (readme.split("### End to end")[1] ?? "").split(/\n#{1,3} /)[0];

  test("given both overlay lists, then the README's End to end section names every entry's path", () => {
    const missing = [...LOKI_OVERLAY, ...FLUENT_BIT_OVERLAY].map((e) => pathText(e.path)).filter((p) => !section.includes(`\`${p}\``));
    expect(missing).toEqual([]);
  });

  test("given the nginx overlay, then the README's End to end section names every directive it changes", () => {
    expect(NGINX_OVERLAY.map((e) => e.name).filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });
});
