/**
 * The `sub` claim of a Kubernetes service account's projected token, which an IRSA trust policy matches.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
 */
export function serviceAccountSubject(namespace: string, serviceAccountName: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}

/**
 * The `prometheus.io/*` annotations by which Prometheus' example Kubernetes scrape jobs find a target, and so the
 * standalone prometheus chart's `kubernetes-pods` (on a pod) and `kubernetes-service-endpoints` (on a Service) jobs:
 * `scrape` keeps the target, `port` replaces the discovered port, `path` the metrics path.
 * @see https://github.com/prometheus/prometheus/blob/main/documentation/examples/prometheus-kubernetes.yml
 */
export function prometheusScrapeAnnotations(port: number, path: string): Readonly<Record<string, string>> {
  return { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": path };
}
