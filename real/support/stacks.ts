/**
 * A stack as the real programs see it: synthesized in process, its Terraform references resolved to the values apply
 * gives them (the bucket names, the role ARN), and the files each program reads taken out of the Terraform JSON: the
 * Loki release's values and the Fluent Bit config. Nothing is read back from the constructs: what is checked is what
 * Terraform would apply.
 */
import { parseDocument } from "yaml";
import { LokiStack, LokiStackProps } from "../../lib";
import { resolveString, Synthesized, synthStack } from "../../__tests__/support/synth";

/** The Loki release as the Helm provider receives it. */
export interface RealRelease {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly repository: string;
  readonly version: string;
  /**
   * The values, as one YAML document, with every Terraform reference resolved and the release's `set_sensitive` values
   * set at their paths, as Helm merges them over the values.
   */
  readonly valuesYaml: string;
  /** The paths the release sets with `set_sensitive` (their values are in valuesYaml). */
  readonly sensitivePaths: readonly string[];
}

/** One synthesized stack and the files its programs read. */
export interface RealStack {
  /** What the stack is, for test names. */
  readonly description: string;
  readonly props: LokiStackProps;
  readonly stack: LokiStack;
  readonly json: Synthesized;
  readonly release: RealRelease;
  /** The Fluent Bit config the agents' ConfigMap carries; absent without agents. */
  readonly fluentBitConfigYaml?: string;
}

/** Synthesizes a stack and takes out what its programs read. */
export function realStack(description: string, props: LokiStackProps, id = "loki-real"): RealStack {
  const { stack, json } = synthStack(props, id);
  const releases = Object.values(json.resource.helm_release ?? {}).filter((r) => r.chart === "loki");
  if (releases.length !== 1) throw new Error(`${description}: expected one Loki helm_release, found ${releases.length}`);
  const release = releases[0];
  if (!Array.isArray(release.values) || release.values.length !== 1) throw new Error(`${description}: expected one values document`);
  if (release.set !== undefined) throw new Error(`${description}: the release sets values with \`set\`, which this suite does not render`);
  const sensitive = (release.set_sensitive ?? []) as { name: string; value: string; type?: string }[];
  const resolved = resolveString(String(release.values[0]), json);
  // YAML 1.1, as Helm reads it, so that what the stack quoted stays quoted when the document is written again.
  const values = parseDocument(resolved, { version: "1.1" });
  for (const item of sensitive) {
    // Helm's --set path syntax, as the stack uses it: map keys separated by "." (no list indexes, no escapes).
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(item.name)) throw new Error(`${description}: a set_sensitive path this suite does not read: ${item.name}`);
    const path = item.name.split(".");
    // As Helm's --set does, a missing key on the way is a new map (the yaml library would make a list).
    for (let depth = 1; depth < path.length; depth++) if (!values.hasIn(path.slice(0, depth))) values.setIn(path.slice(0, depth), values.createNode({}));
    values.setIn(path, resolveString(String(item.value), json));
  }
  const configMaps = Object.values(json.resource.kubernetes_config_map_v1 ?? {}).filter((c) => c.data?.["fluent-bit.yaml"] !== undefined);
  if (configMaps.length > 1) throw new Error(`${description}: more than one Fluent Bit config`);
  return {
    description,
    props,
    stack,
    json,
    release: {
      name: String(release.name),
      namespace: String(release.namespace),
      chart: String(release.chart),
      repository: String(release.repository),
      version: String(release.version),
      valuesYaml: sensitive.length === 0 ? resolved : values.toString({ lineWidth: 0 }),
      sensitivePaths: sensitive.map((item) => item.name),
    },
    fluentBitConfigYaml: configMaps.length === 1 ? resolveString(String(configMaps[0].data["fluent-bit.yaml"]), json) : undefined,
  };
}
