import { PolicyStatement } from "../core/iam-policy";

/** The audience EKS puts in projected service-account tokens for AWS STS. */
export const STS_AUDIENCE = "sts.amazonaws.com";
/** The service principal of EKS Pod Identity. */
export const POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com";

/**
 * IRSA trust: only the given service account, with tokens meant for STS, may assume the role.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
export function irsaTrust(oidcProviderArn: string, oidcIssuerHost: string, serviceAccountSubject: string): PolicyStatement[] {
  return [
    {
      Sid: "LokiServiceAccount",
      Effect: "Allow",
      Principal: { Federated: oidcProviderArn },
      Action: ["sts:AssumeRoleWithWebIdentity"],
      Condition: {
        StringEquals: {
          [`${oidcIssuerHost}:sub`]: serviceAccountSubject,
          [`${oidcIssuerHost}:aud`]: STS_AUDIENCE,
        },
      },
    },
  ];
}

/**
 * EKS Pod Identity trust: the Pod Identity agent assumes the role and tags the session.
 * The conditions on the session tags it adds keep the role to one cluster, namespace and
 * service account; without them any pod identity association in the account could use it.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html#pod-id-abac-tags
 */
export function podIdentityTrust(clusterName: string, namespace: string, serviceAccountName: string): PolicyStatement[] {
  return [
    {
      Sid: "EksPodIdentity",
      Effect: "Allow",
      Principal: { Service: POD_IDENTITY_PRINCIPAL },
      Action: ["sts:AssumeRole", "sts:TagSession"],
      Condition: {
        StringEquals: {
          "aws:RequestTag/eks-cluster-name": clusterName,
          "aws:RequestTag/kubernetes-namespace": namespace,
          "aws:RequestTag/kubernetes-service-account": serviceAccountName,
        },
      },
    },
  ];
}
