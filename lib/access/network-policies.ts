import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { Construct } from "constructs";
import { isPlainObject } from "../core/deep-merge";
import { check, checkDnsLabel } from "../core/validation";
import type { AccessPrecondition } from "./credentials";

/** The README section on NetworkPolicies, which the enforcement check's message points to. */
export const NETWORK_POLICIES_README_SECTION = "README.md#what-the-networkpolicies-allow-and-deny";

/**
 * What enforces NetworkPolicies on the cluster. On EKS only the VPC CNI's network policy agent
 * (`enableNetworkPolicy`), EKS Auto Mode's network policy controller, or another engine (Calico, Cilium, ...) does:
 * without one, the policies are accepted and do nothing.
 * - `"vpc-cni"`: the plan checks that the VPC CNI's agent (or Auto Mode's controller) is on;
 * - `"other"`: another engine enforces them; the plan cannot check it.
 */
export type PolicyEnforcement = "vpc-cni" | "other";

/** The NetworkPolicies of Loki and the agents, as the stack's `networkPolicies` setting carries them. */
export interface NetworkPoliciesProps {
  /** Create them. @default true */
  readonly enabled?: boolean;
  /** Namespaces besides the agents' and Grafana's whose pods may reach Loki's gateway. @default [] */
  readonly gatewayNamespaces?: readonly string[];
  /** What enforces them on the cluster; "vpc-cni" is checked at plan time. @default "vpc-cni" */
  readonly enforcement?: PolicyEnforcement;
}

/** The NetworkPolicies settings with every default applied, validated. */
export interface ResolvedNetworkPolicies {
  readonly enabled: boolean;
  readonly gatewayNamespaces: readonly string[];
  readonly enforcement: PolicyEnforcement;
}

/**
 * Applies the defaults to the NetworkPolicies settings and checks them. Throws a ConfigError naming the setting.
 * @param prefix prepended to setting names in messages, such as "networkPolicies."
 */
export function resolveNetworkPolicies(props: NetworkPoliciesProps = {}, prefix = ""): ResolvedNetworkPolicies {
  check(isPlainObject(props), prefix.replace(/\.$/, ""), props, "{ enabled?, gatewayNamespaces?, enforcement? }");
  const enabled = props.enabled ?? true;
  check(typeof enabled === "boolean", `${prefix}enabled`, enabled, "true or false");
  const gatewayNamespaces = props.gatewayNamespaces ?? [];
  check(Array.isArray(gatewayNamespaces), `${prefix}gatewayNamespaces`, gatewayNamespaces, 'a list of namespaces, such as ["ci"]');
  gatewayNamespaces.forEach((ns, i) => checkDnsLabel(`${prefix}gatewayNamespaces[${i}]`, ns));
  const enforcement = props.enforcement ?? "vpc-cni";
  check(enforcement === "vpc-cni" || enforcement === "other", `${prefix}enforcement`, enforcement, '"vpc-cni" or "other"');
  return { enabled, gatewayNamespaces: [...gatewayNamespaces], enforcement };
}

/** The VPC CNI's DaemonSet and the flag its network policy agent (`aws-eks-nodeagent`) runs with when policies are on. */
export const VPC_CNI = { namespace: "kube-system", daemonSet: "aws-node", agentFlag: "--enable-network-policy=true" } as const;
/** The VPC CNI's ConfigMap and the key that turns on the network policy controller (EKS Auto Mode's switch). */
export const VPC_CNI_CONFIG = { namespace: "kube-system", configMap: "amazon-vpc-cni", key: "enable-network-policy-controller" } as const;

/**
 * The plan-time check that the cluster enforces NetworkPolicies: a container of the VPC CNI's DaemonSet runs with
 * `--enable-network-policy=true` (the add-on's `enableNetworkPolicy`), or the VPC CNI's ConfigMap turns on the network
 * policy controller (EKS Auto Mode). Pure: `daemonSets` and `configMaps` are HCL expressions yielding the lookups'
 * objects (null or empty when nothing is found), so a test can evaluate the same text with `terraform console`.
 */
export function enforcementCheck(daemonSets: string, configMaps: string): AccessPrecondition {
  const all = (objects: string) => `[for o in flatten([${objects}]) : o if o != null]`;
  const agent = `anytrue(flatten([for d in ${all(daemonSets)} : [for c in try(d.spec.template.spec.containers, []) : contains(try(c.args, []), ${JSON.stringify(VPC_CNI.agentFlag)})]]))`;
  const controller = `anytrue([for m in ${all(configMaps)} : try(m.data[${JSON.stringify(VPC_CNI_CONFIG.key)}], "") == "true"])`;
  return {
    condition: `\${${agent} || ${controller}}`,
    errorMessage:
      `networkPolicies.enforcement is "vpc-cni", but the cluster's VPC CNI does not enforce NetworkPolicies: no container of the DaemonSet ${VPC_CNI.namespace}/${VPC_CNI.daemonSet} runs with ${VPC_CNI.agentFlag}, ` +
      `and the ConfigMap ${VPC_CNI_CONFIG.namespace}/${VPC_CNI_CONFIG.configMap} does not set ${VPC_CNI_CONFIG.key}: "true". The policies would be accepted and do nothing. ` +
      `Turn it on (the vpc-cni add-on's configuration value enableNetworkPolicy: "true"), set networkPolicies.enforcement: "other" when another engine enforces them, ` +
      `or networkPolicies.enabled: false. See ${NETWORK_POLICIES_README_SECTION}.`,
  };
}

/**
 * Reads, at plan time, whether the cluster's VPC CNI enforces NetworkPolicies, as a precondition for the Loki release
 * (enforcementCheck). Nothing is created.
 */
export class PolicyEnforcementCheck extends Construct {
  /** The VPC CNI's DaemonSet. */
  public readonly daemonSets: DataKubernetesResources;
  /** The VPC CNI's ConfigMap. */
  public readonly configMaps: DataKubernetesResources;
  /** The check, for the Loki release's preconditions. */
  public readonly precondition: AccessPrecondition;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.daemonSets = new DataKubernetesResources(this, "VpcCni", {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      namespace: VPC_CNI.namespace,
      fieldSelector: `metadata.name=${VPC_CNI.daemonSet}`,
    });
    this.configMaps = new DataKubernetesResources(this, "VpcCniConfig", {
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: VPC_CNI_CONFIG.namespace,
      fieldSelector: `metadata.name=${VPC_CNI_CONFIG.configMap}`,
    });
    const address = (lookup: DataKubernetesResources) => `data.${DataKubernetesResources.tfResourceType}.${lookup.friendlyUniqueId}.objects`;
    this.precondition = enforcementCheck(address(this.daemonSets), address(this.configMaps));
  }
}
