/**
 * The `sub` claim of a Kubernetes service account's projected token, which an IRSA trust policy matches.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
 */
export function serviceAccountSubject(namespace: string, serviceAccountName: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}

/**
 * Pods in one namespace, picked by their labels: a peer that a NetworkPolicy admits or lets a pod reach. Plain data that
 * crosses between the parts: the monitoring stack's Prometheus and Alertmanager, the agents.
 */
export interface PodPeer {
  /** The namespace, matched by its `kubernetes.io/metadata.name` label (set by Kubernetes on every namespace). */
  readonly namespace: string;
  /** The pods' labels; never empty, so a peer is never a whole namespace. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** The label Kubernetes puts on every namespace, holding its name: what a NetworkPolicy selects a namespace by. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * The `prometheus.io/*` annotations by which Prometheus' example Kubernetes scrape jobs find a target, and so the
 * standalone prometheus chart's `kubernetes-pods` (on a pod) and `kubernetes-service-endpoints` (on a Service) jobs:
 * `scrape` keeps the target, `port` replaces the discovered port, `path` the metrics path.
 * @see https://github.com/prometheus/prometheus/blob/main/documentation/examples/prometheus-kubernetes.yml
 */
export function prometheusScrapeAnnotations(port: number, path: string): Readonly<Record<string, string>> {
  return { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": path };
}
