/**
 * The end-to-end overlay's own rules, in plain Node: the comparison that proves the overlay touches exactly its list
 * must see a change outside the list and a listed entry that changes nothing, and applying the overlay must leave the
 * rest of the document as it was. No program is run here.
 */
import { parse } from "yaml";
import {
  applyOverlay,
  concretePaths,
  differingPaths,
  FLUENT_BIT_OVERLAY,
  LOKI_OVERLAY,
  OverlayEntry,
  overlayDifferences,
  pathText,
  tagPrefixFor,
} from "../../real/support/e2e/overlay";
import { applyNginxOverlay, NGINX_OVERLAY, nginxOverlayDifferences } from "../../real/support/e2e/gateway";
import { expandArg } from "../../real/support/e2e/loki";
import { LaptopSite } from "../../real/support/e2e/site";

const GENERATED = `# rendered
server:
  http_listen_port: 3100
common:
  path_prefix: /var/loki
  storage:
    s3:
      bucketnames: "loki-chunks"
pipeline:
  inputs:
    - name: tail
      path: /var/log/containers/*.log
      tag: kube.*
schema_config:
  configs:
    - object_store: s3
    - object_store: s3
`;

describe("end-to-end overlay", () => {
  let site: LaptopSite;
  beforeAll(async () => {
    site = await LaptopSite.create("overlay-unit");
  });
  afterAll(() => site.remove());

  test("given a section added under a missing parent, then the configs differ at its leaves only", () => {
    expect(differingPaths({ a: 1 }, { a: 1, ring: { kvstore: { store: "inmemory" } } })).toEqual([["ring", "kvstore", "store"]]);
    expect(differingPaths({ l: [1, 2] }, { l: [1, 3] })).toEqual([["l", 1]]);
    expect(differingPaths({ a: { b: 1 } }, { a: { b: 1 } })).toEqual([]);
  });

  test("fails the overlay check on a change outside the listed paths, and on a listed path that changes nothing", () => {
    const generated = { server: { port: 3100, address: "0.0.0.0" }, ruler: { url: "http://am" } };
    const laptop = { server: { port: 4100, address: "127.0.0.1" }, ruler: { url: "http://am" } };
    expect(overlayDifferences(generated, laptop, [["server", "port"], ["ruler", "url"]])).toEqual({ unlisted: ["server.address"], unchanged: ["ruler.url"] });
    expect(overlayDifferences(generated, laptop, [["server"]])).toEqual({ unlisted: [], unchanged: [] });
  });

  test("given an overlay, when it is applied, then the listed paths change and every other line of the document stays as written", () => {
    const entries: OverlayEntry[] = [
      { path: ["server", "http_listen_port"], laptop: ({ site: s }) => s.ports.lokiHttp, why: "port" },
      { path: ["common", "path_prefix"], laptop: ({ site: s, generated }) => s.hostPath(String(generated)), why: "host path" },
      { path: ["absent", "path"], laptop: ({ generated }) => (generated === undefined ? undefined : "x"), why: "absent stays absent" },
    ];
    const overlaid = applyOverlay(GENERATED, entries, site);
    expect(overlaid.applied.map((a) => pathText(a.path))).toEqual(["server.http_listen_port", "common.path_prefix"]);
    const changed = overlaid.yaml.split("\n").filter((line) => !GENERATED.split("\n").includes(line));
    expect(changed).toEqual([`  http_listen_port: ${site.ports.lokiHttp}`, `  path_prefix: ${site.root}/host/var/loki`]);
    expect(overlaid.yaml).toContain('bucketnames: "loki-chunks"');
    expect(overlayDifferences(parse(GENERATED), parse(overlaid.yaml), overlaid.applied.map((a) => a.path))).toEqual({ unlisted: [], unchanged: [] });
  });

  test("given list selectors, then a name selects its one element and every selects them all", () => {
    const config = parse(GENERATED);
    expect(concretePaths(config, ["pipeline", "inputs", { name: "tail" }, "path"])).toEqual([["pipeline", "inputs", 0, "path"]]);
    expect(concretePaths(config, ["schema_config", "configs", { every: true }, "object_store"])).toEqual([
      ["schema_config", "configs", 0, "object_store"],
      ["schema_config", "configs", 1, "object_store"],
    ]);
    expect(() => concretePaths(config, ["pipeline", "inputs", { name: "systemd" }, "path"])).toThrow(/expected one "systemd" in pipeline.inputs, found 0/);
  });

  test("given several elements of one name, then everyNamed selects each, and fails when there is none", () => {
    const config = { pipeline: { outputs: [{ name: "loki", host: "a" }, { name: "s3" }, { name: "loki", host: "b" }] } };
    expect(concretePaths(config, ["pipeline", "outputs", { everyNamed: "loki" }, "host"])).toEqual([
      ["pipeline", "outputs", 0, "host"],
      ["pipeline", "outputs", 2, "host"],
    ]);
    expect(pathText(["pipeline", "outputs", { everyNamed: "loki" }, "host"])).toBe("pipeline.outputs[*name=loki].host");
    expect(() => concretePaths(config, ["pipeline", "outputs", { everyNamed: "kafka" }, "host"])).toThrow(/expected at least one "kafka" in pipeline.outputs/);
  });

  test("given the gateway's nginx config, then the overlay replaces whole directive lines only, and the comparison finds a change it does not list and an entry that changes nothing", () => {
    const rendered = 'http {\n  resolver kube-dns.kube-system.svc.cluster.local.;\n  gzip on;\n  server {\n    listen             8080;\n    location = / {\n      set $backend     "http://loki-distributor.loki.svc.cluster.local:3100";\n    }\n  }\n}';
    const overlaid = applyNginxOverlay(rendered, NGINX_OVERLAY, site);
    expect(overlaid.conf.split("\n").filter((l, i) => l !== rendered.split("\n")[i])).toEqual([
      "  resolver 127.0.0.1;",
      `    listen 127.0.0.1:${site.ports.gateway};`,
      `      set $backend     "http://127.0.0.1:${site.ports.lokiHttp}";`,
    ]);
    expect(nginxOverlayDifferences(rendered, overlaid.conf, overlaid.applied)).toEqual({ unlisted: [], unchanged: [] });
    expect(nginxOverlayDifferences(rendered, overlaid.conf.replace("gzip on;", "gzip off;"), overlaid.applied)).toEqual({ unlisted: ["gzip on;"], unchanged: [] });
    expect(nginxOverlayDifferences(rendered, rendered, overlaid.applied).unchanged).toHaveLength(3);
  });

  test("given the tail input's tag and a directory, then the kubernetes filter's tag prefix is the one tail builds", () => {
    expect(tagPrefixFor("kube.*", "/var/log/containers")).toBe("kube.var.log.containers.");
    expect(tagPrefixFor("kube.*", "/tmp/run/host/var/log/containers/")).toBe("kube.tmp.run.host.var.log.containers.");
  });

  test("given both overlay lists, then every entry says why a laptop must differ there, and no path is listed twice", () => {
    expect(NGINX_OVERLAY.every((e) => e.why.length > 10)).toBe(true);
    for (const list of [LOKI_OVERLAY, FLUENT_BIT_OVERLAY]) {
      expect(list.every((e) => e.why.length > 10)).toBe(true);
      const paths = list.map((e) => pathText(e.path));
      expect(new Set(paths).size).toBe(paths.length);
    }
  });
});

describe("Loki's command line on a laptop", () => {
  test("given $(VAR) references in a pod's arguments, then they expand from the container's env, the pod's IP to loopback", () => {
    const env = [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }, { name: "ZONE", value: "zone-a" }];
    expect(expandArg("-memberlist.advertise-addr=$(POD_IP)", env)).toBe("-memberlist.advertise-addr=127.0.0.1");
    expect(expandArg("-zone=$(ZONE)", env)).toBe("-zone=zone-a");
    expect(expandArg("-name=$(POD_NAME)", env)).toBe("-name=$(POD_NAME)");
  });
});
