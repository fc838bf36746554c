/**
 * The release's NetworkPolicies: the chart's own `networkPolicy` (read before relied on: see the README, "What the
 * NetworkPolicies allow and deny"), plus the few the chart does not render, which the stack adds to the release
 * (`extraObjects`), so that they come and go with it. Pure: plain data in, chart values out.
 */
import { isPlainObject } from "../core/deep-merge";
import { NAMESPACE_NAME_LABEL, PodPeer } from "../core/kubernetes";
import { check, checkDnsLabel, checkInteger } from "../core/validation";
import { LOKI_CHART_NAME } from "./chart";

/** The address of the EKS Pod Identity agent on every node, which hands pods their credentials. @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html */
export const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", port: 80 } as const;
/** Object storage outside the cluster (S3, and STS for IRSA) speaks HTTPS. */
export const OBJECT_STORAGE_PORT = 443;

/**
 * Who may reach Loki and where Loki may go, as plain data the stack derives from its own parts (the agents, Grafana,
 * the monitoring stack, the identity mode). Loki's own components always reach each other in the release's namespace.
 */
export interface LokiNetworkAccess {
  /** Namespaces whose pods may reach the gateway (the agents', Grafana's, and the ones you list). */
  readonly gatewayClientNamespaces: readonly string[];
  /** Pods that may push straight to the distributor: the agents with one tenant; none with several. @default [] */
  readonly distributorClients?: readonly PodPeer[];
  /** The Prometheus pods that scrape Loki: its metrics are on the API port, so they are admitted by label, never a whole namespace. */
  readonly metricsScrapers: PodPeer;
  /** Where the ruler sends alerts: its pods when the stack knows them, else any destination on that port. */
  readonly alertmanager: { readonly peer?: PodPeer; readonly port: number };
  /** Object storage outside the cluster, over HTTPS (S3, and STS for IRSA); false when the store runs in Loki's namespace. */
  readonly externalObjectStorage: boolean;
  /** EKS Pod Identity: egress to its agent on the node. */
  readonly podIdentityAgent: boolean;
}

/** Checks the plain data the stack hands over, so the release is as safe on its own. */
export function checkNetworkAccess(setting: string, access: LokiNetworkAccess): void {
  check(isPlainObject(access), setting, access, "the release's network access");
  check(Array.isArray(access.gatewayClientNamespaces), `${setting}.gatewayClientNamespaces`, access.gatewayClientNamespaces, "a list of namespaces");
  access.gatewayClientNamespaces.forEach((ns, i) => checkDnsLabel(`${setting}.gatewayClientNamespaces[${i}]`, ns));
  const peers: [string, PodPeer | undefined][] = [
    ...(access.distributorClients ?? []).map((p, i): [string, PodPeer] => [`${setting}.distributorClients[${i}]`, p]),
    [`${setting}.metricsScrapers`, access.metricsScrapers],
    [`${setting}.alertmanager.peer`, access.alertmanager?.peer],
  ];
  for (const [at, peer] of peers) {
    if (peer === undefined) continue;
    checkDnsLabel(`${at}.namespace`, peer.namespace);
    check(
      isPlainObject(peer.podLabels) && Object.keys(peer.podLabels).length > 0,
      `${at}.podLabels`,
      peer.podLabels,
      "the labels of the pods, never empty",
      "an empty selector would admit every pod of the namespace",
    );
  }
  checkInteger(`${setting}.alertmanager.port`, access.alertmanager?.port, 1, 65535);
}

/** A namespace selector for a set of namespaces, by the name label Kubernetes sets on each. */
export function namespacesSelector(namespaces: readonly string[]): { readonly matchExpressions: readonly { key: string; operator: "In"; values: readonly string[] }[] } {
  return { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: [...new Set(namespaces)].sort() }] };
}

/** A peer as a NetworkPolicy peer: its namespace by name, its pods by labels. */
function peerSelector(peer: PodPeer): { readonly namespaceSelector: object; readonly podSelector: object } {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } }, podSelector: { matchLabels: { ...peer.podLabels } } };
}

/** The chart's `networkPolicy` values, the same keys in every chart version the stack knows. */
export interface NetworkPolicyValues {
  readonly enabled: true;
  readonly metrics: { readonly namespaceSelector: object; readonly podSelector: object };
  readonly ingress: { readonly namespaceSelector: object };
  readonly alertmanager: { readonly port: number; readonly namespaceSelector?: object; readonly podSelector?: object };
  readonly externalStorage: { readonly ports: readonly number[] };
}

/**
 * The chart's `networkPolicy` values. What the chart renders from them (both versions, checked by rendering them):
 * - `<name>-namespace-only`: Loki's pods reach, and are reached by, the pods of their own namespace;
 * - `<name>-egress-dns`: Loki's pods reach DNS in any namespace;
 * - `<name>-ingress`: the gateway's port, from the namespaces of `ingress.namespaceSelector` (any, if empty);
 * - `<name>-ingress-metrics`: every Loki pod's `http-metrics` port, which is also Loki's API port, from the pods of
 *   `metrics.*` (any, if empty: so they are always set here; chart 6.29.0 renders them only with a CIDR beside them);
 * - `<name>-egress-alertmanager`: selects the `backend` component, which Distributed mode does not run, so the ruler
 *   gets its egress from a policy of the stack's (lokiOwnPolicies);
 * - `<name>-egress-external-storage`: Loki's pods reach `externalStorage.ports` anywhere.
 */
export function networkPolicyValues(access: LokiNetworkAccess): NetworkPolicyValues {
  const am = access.alertmanager.peer;
  return {
    enabled: true,
    metrics: peerSelector(access.metricsScrapers),
    ingress: { namespaceSelector: namespacesSelector(access.gatewayClientNamespaces) },
    alertmanager: { port: access.alertmanager.port, ...(am ? peerSelector(am) : {}) },
    externalStorage: { ports: access.externalObjectStorage ? [OBJECT_STORAGE_PORT] : [] },
  };
}

/** A NetworkPolicy object, as the release adds it through `extraObjects`. */
export interface NetworkPolicyObject {
  readonly apiVersion: "networking.k8s.io/v1";
  readonly kind: "NetworkPolicy";
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: Readonly<Record<string, unknown>>;
}

/** The labels every pod of the release carries (the chart's selector labels). */
export function releaseSelectorLabels(releaseName: string): Readonly<Record<string, string>> {
  return { "app.kubernetes.io/name": LOKI_CHART_NAME, "app.kubernetes.io/instance": releaseName };
}

/**
 * The policies the chart does not render, each keyed by its `extraObjects` key:
 * - the ruler's egress to Alertmanager (the chart's selects a component Distributed mode does not run);
 * - with Pod Identity, egress to its agent on the node;
 * - with one tenant, the agents' ingress to the distributor (they push there; with several they push through the gateway).
 * @param fullname the chart's fullname, the prefix of every object name
 */
export function lokiOwnPolicies(access: LokiNetworkAccess, fullname: string, releaseName: string): Readonly<Record<string, NetworkPolicyObject>> {
  const selector = releaseSelectorLabels(releaseName);
  const labels = { ...selector, "app.kubernetes.io/managed-by": "cdktf" };
  const policy = (name: string, spec: Record<string, unknown>): NetworkPolicyObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${fullname}-${name}`, labels },
    spec,
  });
  const am = access.alertmanager.peer;
  const policies: Record<string, NetworkPolicyObject> = {
    "network-policy-ruler-alertmanager": policy("ruler-egress-alertmanager", {
      podSelector: { matchLabels: { ...selector, "app.kubernetes.io/component": "ruler" } },
      policyTypes: ["Egress"],
      egress: [{ ...(am ? { to: [peerSelector(am)] } : {}), ports: [{ port: access.alertmanager.port, protocol: "TCP" }] }],
    }),
  };
  if (access.podIdentityAgent) {
    policies["network-policy-pod-identity-agent"] = policy("egress-pod-identity-agent", {
      podSelector: { matchLabels: { ...selector } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: [{ port: POD_IDENTITY_AGENT.port, protocol: "TCP" }] }],
    });
  }
  const clients = access.distributorClients ?? [];
  if (clients.length > 0) {
    policies["network-policy-distributor-agents"] = policy("distributor-ingress-agents", {
      podSelector: { matchLabels: { ...selector, "app.kubernetes.io/component": "distributor" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: clients.map(peerSelector), ports: [{ port: "http-metrics", protocol: "TCP" }] }],
    });
  }
  return policies;
}
