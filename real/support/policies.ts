/**
 * Kubernetes NetworkPolicy semantics, for reading the policies a render holds: which sources a pod admits on a port
 * (ingress) and which destinations a pod may reach (egress). A pod no policy of its kind selects is not isolated.
 * Policies add up: a connection is allowed when any policy that selects the pod allows it. Traffic from the node a pod
 * runs on is always allowed and is not modelled here.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { Json } from "../../__tests__/support/json";

/** A label selector (`matchLabels`, `matchExpressions`); empty selects everything. */
export type LabelSelector = Json;

/** A pod as a NetworkPolicy sees it. */
export interface PolicyPod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The container ports it serves, for named ports. */
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number; readonly protocol?: string }[];
}

/** An address outside the cluster's pods (S3, the Pod Identity agent). */
export interface PolicyAddress {
  readonly ip: string;
}

/** The other end of a connection: a pod, or an address. */
export type PolicyPeer = PolicyPod | PolicyAddress;

/** A NetworkPolicy, as Kubernetes reads it. */
export interface NetworkPolicy {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: Json;
}

const isPod = (peer: PolicyPeer): peer is PolicyPod => "namespace" in peer;

/** The labels Kubernetes puts on a namespace: its name. */
export function namespaceLabels(namespace: string): Record<string, string> {
  return { "kubernetes.io/metadata.name": namespace };
}

/** Whether a label selector selects a set of labels. */
export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector === undefined || selector === null) return true;
  const matchLabels = (selector.matchLabels ?? {}) as Record<string, string>;
  if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) return false;
  return ((selector.matchExpressions ?? []) as Json[]).every((e) => {
    const value = labels[e.key];
    const values = (e.values ?? []) as string[];
    switch (e.operator) {
      case "In":
        return value !== undefined && values.includes(value);
      case "NotIn":
        return value === undefined || !values.includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
}

/** An IPv4 address within a CIDR. */
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const toInt = (a: string) => a.split(".").reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

/** Whether one `from`/`to` entry of a policy in `policyNamespace` matches a peer. */
function peerMatches(entry: Json, peer: PolicyPeer, policyNamespace: string): boolean {
  if (entry.ipBlock !== undefined) {
    if (isPod(peer)) return false;
    const except = (entry.ipBlock.except ?? []) as string[];
    return inCidr(peer.ip, entry.ipBlock.cidr) && !except.some((c) => inCidr(peer.ip, c));
  }
  if (!isPod(peer)) return false;
  const namespaceOk = entry.namespaceSelector !== undefined ? selects(entry.namespaceSelector, namespaceLabels(peer.namespace)) : peer.namespace === policyNamespace;
  return namespaceOk && selects(entry.podSelector, peer.labels);
}

/** Whether a rule's `ports` admit a port (a number, or the name of one of the pod's ports) and protocol. */
function portMatches(ports: Json[] | undefined, port: number, protocol: string, pod: PolicyPod | undefined): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === "number") return p.port === port;
    const named = (pod?.ports ?? []).find((cp) => cp.name === p.port);
    return named !== undefined && named.containerPort === port && (named.protocol ?? "TCP") === protocol;
  });
}

/** The policies that isolate a pod for one direction. */
function isolating(policies: readonly NetworkPolicy[], pod: PolicyPod, direction: "Ingress" | "Egress"): NetworkPolicy[] {
  return policies.filter((p) => {
    if (p.metadata.namespace !== pod.namespace || !selects(p.spec.podSelector, pod.labels)) return false;
    // Unset policyTypes: Ingress always, Egress when the policy has egress rules.
    const types = (p.spec.policyTypes as string[] | undefined) ?? ["Ingress", ...(p.spec.egress !== undefined ? ["Egress"] : [])];
    return types.includes(direction);
  });
}

/** Whether `target` admits a connection from `source` on `port`: the policies that select it, or none. */
export function admits(policies: readonly NetworkPolicy[], target: PolicyPod, source: PolicyPeer, port: number, protocol = "TCP"): boolean {
  const selecting = isolating(policies, target, "Ingress");
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    ((p.spec.ingress ?? []) as Json[]).some(
      (rule) => portMatches(rule.ports, port, protocol, target) && (rule.from === undefined || (rule.from as Json[]).length === 0 || (rule.from as Json[]).some((f) => peerMatches(f, source, p.metadata.namespace))),
    ),
  );
}

/** Whether `source` may open a connection to `destination` on `port`: the policies that select it, or none. */
export function letsOut(policies: readonly NetworkPolicy[], source: PolicyPod, destination: PolicyPeer, port: number, protocol = "TCP"): boolean {
  const selecting = isolating(policies, source, "Egress");
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    ((p.spec.egress ?? []) as Json[]).some(
      (rule) =>
        portMatches(rule.ports, port, protocol, isPod(destination) ? destination : undefined) &&
        (rule.to === undefined || (rule.to as Json[]).length === 0 || (rule.to as Json[]).some((t) => peerMatches(t, destination, p.metadata.namespace))),
    ),
  );
}

/** Whether a connection gets through both ends' policies. */
export function connects(policies: readonly NetworkPolicy[], source: PolicyPod, target: PolicyPod, port: number, protocol = "TCP"): boolean {
  return letsOut(policies, source, target, port, protocol) && admits(policies, target, source, port, protocol);
}

/** The NetworkPolicies of a render; one without a namespace (the release's extraObjects) lands in the release's. */
export function renderedPolicies(objects: readonly Json[], releaseNamespace: string): NetworkPolicy[] {
  return objects
    .filter((o) => o.kind === "NetworkPolicy")
    .map((o) => ({ metadata: { name: String(o.metadata.name), namespace: String(o.metadata.namespace ?? releaseNamespace) }, spec: o.spec as Json }));
}

/** Terraform's snake_case attributes and one-element blocks, as the Kubernetes object's camelCase fields. */
function kubernetesShape(value: unknown, key = ""): unknown {
  const single = ["spec", "pod_selector", "namespace_selector", "ip_block", "metadata"];
  if (Array.isArray(value)) return single.includes(key) && value.length === 1 ? kubernetesShape(value[0], key) : value.map((v) => kubernetesShape(v));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), kubernetesShape(v, k)]));
  }
  // The provider takes a port as a string; a number's string is that number.
  return key === "port" && typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
}

/** The `kubernetes_network_policy_v1` resources of a synthesized stack, as Kubernetes objects. */
export function terraformPolicies(resources: Readonly<Record<string, Json>>, resolve: (text: string) => string): NetworkPolicy[] {
  return Object.values(resources).map((r) => {
    const object = kubernetesShape(r) as Json;
    return { metadata: { name: resolve(String(object.metadata.name)), namespace: resolve(String(object.metadata.namespace)) }, spec: object.spec as Json };
  });
}

/** The pods of a render, as NetworkPolicies see them: one per workload, with its labels and container ports. */
export function renderedPods(objects: readonly Json[], releaseNamespace: string): PolicyPod[] {
  return objects
    .filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
    .map((o) => ({
      name: String(o.metadata.name),
      namespace: String(o.metadata.namespace ?? releaseNamespace),
      labels: (o.spec.template.metadata?.labels ?? {}) as Record<string, string>,
      ports: ((o.spec.template.spec.containers ?? []) as Json[]).flatMap((c) => (c.ports ?? []) as { name?: string; containerPort: number; protocol?: string }[]),
    }));
}
