import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { policyJson } from "../core/iam-policy";
import { Names } from "../names";
import { IdentityMode } from "../settings";
import { LogBuckets } from "../storage/log-buckets";
import { EksCluster } from "./eks-cluster";
import { irsaTrust, podIdentityTrust, STS_AUDIENCE } from "./trust";

/** Properties of the Loki role. */
export interface LokiRoleProps {
  /** The cluster Loki runs in. */
  readonly cluster: EksCluster;
  /** Shared names: the namespace and service account the trust names. */
  readonly names: Names;
  /** The buckets Loki may read and write. */
  readonly buckets: LogBuckets;
  /** IRSA or EKS Pod Identity. @default "irsa" */
  readonly mode?: IdentityMode;
  /** Create the cluster's IAM OIDC provider instead of looking it up (IRSA only). @default false */
  readonly createOidcProvider?: boolean;
}

/**
 * The IAM role Loki's service account assumes, with a least-privilege policy on its buckets.
 * IRSA by default; EKS Pod Identity on request.
 */
export class LokiRole extends Construct {
  /** The role. */
  public readonly resource: IamRole;
  /** Role ARN. */
  public readonly roleArn: string;
  /** How the role is assumed. */
  public readonly mode: IdentityMode;
  /** ARN of the OIDC provider the trust names (IRSA only). */
  public readonly oidcProviderArn?: string;
  /** Annotations the service account needs: the role ARN with IRSA, none with Pod Identity. */
  public readonly serviceAccountAnnotations: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: LokiRoleProps) {
    super(scope, id);
    const { cluster, names, buckets } = props;
    this.mode = props.mode ?? "irsa";

    let trust;
    if (this.mode === "irsa") {
      this.oidcProviderArn = props.createOidcProvider
        ? new IamOpenidConnectProvider(this, "OidcProvider", { url: cluster.oidcIssuerUrl, clientIdList: [STS_AUDIENCE] }).arn
        : new DataAwsIamOpenidConnectProvider(this, "OidcProvider", { url: cluster.oidcIssuerUrl }).arn;
      // The issuer without "https://" prefixes the condition keys; it is computed once, in a local
      // whose address stays pinned (plans and state of existing deployments name it).
      const issuerHost = new TerraformLocal(this, "OidcIssuerHost", Fn.replace(cluster.oidcIssuerUrl, "https://", ""));
      issuerHost.overrideLogicalId("loki_oidc_issuer_host");
      trust = irsaTrust(this.oidcProviderArn, issuerHost.asString, names.serviceAccountSubject);
    } else {
      trust = podIdentityTrust(cluster.clusterName, names.namespace, names.serviceAccountName);
    }

    this.resource = new IamRole(this, "Resource", {
      namePrefix: `loki-${cluster.clusterName}`.slice(0, 37) + "-",
      description: `Loki in ${names.namespace}/${names.serviceAccountName} on ${cluster.clusterName}: read and write its S3 buckets`,
      assumeRolePolicy: policyJson(trust),
    });
    this.resource.overrideLogicalId("loki");
    this.roleArn = this.resource.arn;

    new IamRolePolicy(this, "S3Access", {
      name: "loki-s3",
      role: this.resource.id,
      policy: policyJson(buckets.grantReadWrite()),
    });

    if (this.mode === "pod-identity") {
      new EksPodIdentityAssociation(this, "PodIdentity", {
        clusterName: cluster.clusterName,
        namespace: names.namespace,
        serviceAccount: names.serviceAccountName,
        roleArn: this.roleArn,
        // The trust policy's conditions read these session tags; disabling them would lock Loki out.
        disableSessionTags: false,
      });
      this.serviceAccountAnnotations = {};
    } else {
      this.serviceAccountAnnotations = { "eks.amazonaws.com/role-arn": this.roleArn };
    }
  }
}
