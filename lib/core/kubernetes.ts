/**
 * The `sub` claim of a Kubernetes service account's projected token, which an IRSA trust policy matches.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/
 */
export function serviceAccountSubject(namespace: string, serviceAccountName: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}
