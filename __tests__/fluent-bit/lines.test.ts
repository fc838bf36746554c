import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { buildFluentBitConfig, renderFluentBitConfig, shapeOf } from "../../lib/fluent-bit/config";
import { lineBytes, MERGED_LOG_KEY, PREVIOUS_SHAPE, storedLine, TYPICAL_LINES } from "../../lib/fluent-bit/lines";
import { FluentBitOptions, resolveFluentBitProps } from "../../lib/fluent-bit/props";
import { synthStack } from "../support/synth";
import { Json } from "../support/json";
import { pushTarget } from "../support/targets";

function build(options: FluentBitOptions = {}) {
  const config = buildFluentBitConfig(resolveFluentBitProps({ ...options, loki: pushTarget() }));
  return { config, parsed: parse(renderFluentBitConfig(config)) as Json };
}

const find = (list: Json[], name: string): Json => list.find((s) => s.name === name)!;
const [PLAIN, JSON_LINE] = TYPICAL_LINES;

describe("lean stored lines", () => {
  const { config, parsed } = build();
  const output = find(parsed.pipeline.outputs, "loki");
  const filter = find(parsed.pipeline.filters, "kubernetes");

  test("given defaults, then the output removes the kubernetes map, stream, _p and time, and unwraps the one key left", () => {
    expect(output.remove_keys.split(/,\s*/)).toEqual(expect.arrayContaining(["kubernetes", "stream", "_p", "time"]));
    expect(output.drop_single_key).toBe("raw");
    expect(output.line_format).toBe("json");
  });

  test("given defaults, then labels and structured metadata are still read from the kubernetes map the line drops", () => {
    // out_loki 4.0.1 packs labels and structured metadata from the original record; remove_keys acts on a copy.
    expect(output.labels).toMatch(/namespace=\$kubernetes\['namespace_name'\]/);
    expect(output.structured_metadata).toBe("pod=$kubernetes['pod_name'], node=$kubernetes['host']");
  });

  test("given defaults, then annotations are off and a JSON log's fields are nested under one key", () => {
    expect(filter.annotations).toBe("off");
    expect(filter.merge_log_key).toBe(MERGED_LOG_KEY);
    expect(filter.merge_log).toBe("on");
    expect(filter.keep_log).toBe("off");
  });

  test("given annotations, then the filter adds them again", () => {
    expect(find(build({ annotations: true }).parsed.pipeline.filters, "kubernetes").annotations).toBe("on");
  });

  test("given the stack's fluentBit.annotations, then the stack hands it to the agent", () => {
    const { stack } = synthStack({ clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" }, fluentBit: { annotations: true } });
    expect(stack.settings.fluentBit?.annotations).toBe(true);
    expect(stack.fluentBit?.config.pipeline.filters.find((f) => f.name === "kubernetes")).toMatchObject({ annotations: "on" });
  });

  test("fails on annotations that is not a boolean, naming the setting the stack's user wrote", () => {
    expect(() => resolveFluentBitProps({ annotations: 1 as never, loki: pushTarget() })).toThrow(/^annotations must be true or false \(got 1\)/);
    expect(() => synthStack({ clusterName: "prod-eks", fluentBit: { annotations: "yes" as never } })).toThrow(/^fluentBit.annotations must be true or false \(got "yes"\)/);
  });

  test("given a plain-text container line, then the stored line is the message itself", () => {
    expect(storedLine(PLAIN, shapeOf(config))).toBe(PLAIN.log);
  });

  test("given a JSON container line, then the stored line is the application's JSON, with its own fields only", () => {
    expect(JSON.parse(storedLine(JSON_LINE, shapeOf(config)))).toEqual(JSON.parse(JSON_LINE.log));
  });

  test("given an application field named like a removed key, then it is kept", () => {
    const line = { ...JSON_LINE, log: '{"msg":"x","stream":"orders","time":"t"}' };
    expect(JSON.parse(storedLine(line, shapeOf(config)))).toEqual({ msg: "x", stream: "orders", time: "t" });
  });

  test("given the previous shape, then every line carried the pod's metadata, several times the message", () => {
    for (const sample of TYPICAL_LINES) {
      const before = storedLine(sample, PREVIOUS_SHAPE);
      expect(before).toContain('"kubernetes"');
      expect(before).toContain('"annotations"');
      expect(lineBytes(before)).toBeGreaterThan(5 * lineBytes(storedLine(sample, shapeOf(config))));
    }
  });
});

describe("read_from_head", () => {
  test("given defaults, then every file the agent has no offset for is read from its start, new pods' first lines included", () => {
    expect(find(build().parsed.pipeline.inputs, "tail").read_from_head).toBe(true);
  });
});

describe("README", () => {
  test("given the typical lines, then the README's byte counts are what the synthesized config stores", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    const section = readme.split("## Lean log lines")[1].split("\n## ")[0];
    const { config } = build();
    for (const sample of TYPICAL_LINES) {
      expect(section).toContain(`\`${sample.log}\` (${lineBytes(sample.log)} bytes)`);
      expect(section).toContain(`(${lineBytes(storedLine(sample, PREVIOUS_SHAPE))} bytes)`);
      expect(lineBytes(storedLine(sample, shapeOf(config)))).toBe(lineBytes(sample.log));
    }
  });
});
