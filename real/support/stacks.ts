/**
 * A stack as the real programs see it: synthesized in process, its Terraform references resolved to the values apply
 * gives them (the bucket names, the role ARN), and the files each program reads taken out of the Terraform JSON: the
 * Loki release's values and the Fluent Bit config. Nothing is read back from the constructs: what is checked is what
 * Terraform would apply.
 */
import { LokiStack, LokiStackProps } from "../../lib";
import { resolveString, Synthesized, synthStack } from "../../__tests__/support/synth";

/** The Loki release as the Helm provider receives it. */
export interface RealRelease {
  readonly name: string;
  readonly namespace: string;
  readonly chart: string;
  readonly repository: string;
  readonly version: string;
  /** The values, as one YAML document, with every Terraform reference resolved. */
  readonly valuesYaml: string;
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
      valuesYaml: resolveString(String(release.values[0]), json),
    },
    fluentBitConfigYaml: configMaps.length === 1 ? resolveString(String(configMaps[0].data["fluent-bit.yaml"]), json) : undefined,
  };
}
