import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Fn, Lazy, TerraformLocal } from "cdktf";
import { Construct } from "constructs";
import { IGrantee, policyJson, PolicyStatement } from "../core/iam-policy";
import { serviceAccountSubject } from "../core/kubernetes";
import { check, checkDnsLabel, checkDnsSubdomain } from "../core/validation";
import { EksCluster } from "./eks-cluster";
import { irsaTrust, podIdentityTrust, STS_AUDIENCE } from "./trust";

/** How the Loki pods get AWS credentials. */
export type IdentityMode = "irsa" | "pod-identity";

/** Properties of the Loki role. */
export interface LokiRoleProps {
  /** The cluster Loki runs in. */
  readonly cluster: EksCluster;
  /** Namespace of the service account allowed to assume the role. @default "loki" */
  readonly namespace?: string;
  /** Service account allowed to assume the role. @default "loki" (the Loki chart's own default) */
  readonly serviceAccountName?: string;
  /** IRSA or EKS Pod Identity. @default "irsa" */
  readonly identity?: IdentityMode;
  /** Create the cluster's IAM OIDC provider instead of looking it up (IRSA only). @default false */
  readonly createOidcProvider?: boolean;
}

/** The role's props with every default applied, validated. */
export interface ResolvedLokiRoleProps {
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly identity: IdentityMode;
  readonly createOidcProvider: boolean;
}

/**
 * Applies the defaults to the role's props and validates them. Throws a ConfigError that names the setting.
 * @param prefix prepended to setting names in messages
 */
export function resolveLokiRoleProps(props: Omit<LokiRoleProps, "cluster">, prefix = ""): ResolvedLokiRoleProps {
  const namespace = props.namespace ?? "loki";
  checkDnsLabel(`${prefix}namespace`, namespace);
  const serviceAccountName = props.serviceAccountName ?? "loki";
  checkDnsSubdomain(`${prefix}serviceAccountName`, serviceAccountName);
  const identity = props.identity ?? "irsa";
  check(identity === "irsa" || identity === "pod-identity", `${prefix}identity`, identity, '"irsa" or "pod-identity"');
  check(
    !(identity === "pod-identity" && props.createOidcProvider === true),
    `${prefix}createOidcProvider`,
    props.createOidcProvider,
    'unset with identity "pod-identity"',
    "Pod Identity does not use the OIDC provider",
  );
  return { namespace, serviceAccountName, identity, createOidcProvider: props.createOidcProvider ?? false };
}

/**
 * The IAM role Loki's service account assumes: IRSA by default, EKS Pod Identity on request.
 * It knows no buckets: resources grant it access (`buckets.grantReadWrite(role)`), and every statement
 * granted lands in its one inline policy.
 */
export class LokiRole extends Construct implements IGrantee {
  /** The role. */
  public readonly resource: IamRole;
  /** Role ARN. */
  public readonly roleArn: string;
  /** How the role is assumed. */
  public readonly mode: IdentityMode;
  /** ARN of the OIDC provider the trust names (IRSA only). */
  public readonly oidcProviderArn?: string;
  /** The Terraform local holding the issuer host the IRSA conditions are keyed by (IRSA only). */
  public readonly oidcIssuerHost?: TerraformLocal;
  /** The role's inline policy, holding every statement granted to it. */
  public readonly policy: IamRolePolicy;
  /** Annotations the service account needs: the role ARN with IRSA, none with Pod Identity. */
  public readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: LokiRoleProps) {
    super(scope, id);
    const { cluster } = props;
    const { namespace, serviceAccountName, identity, createOidcProvider } = resolveLokiRoleProps(props);
    this.mode = identity;

    let trust;
    if (this.mode === "irsa") {
      this.oidcProviderArn = createOidcProvider
        ? new IamOpenidConnectProvider(this, "OidcProvider", { url: cluster.oidcIssuerUrl, clientIdList: [STS_AUDIENCE] }).arn
        : new DataAwsIamOpenidConnectProvider(this, "OidcProvider", { url: cluster.oidcIssuerUrl }).arn;
      // The issuer without "https://" prefixes the condition keys; it is computed once, in a local
      // whose address stays pinned (plans and state of existing deployments name it).
      this.oidcIssuerHost = new TerraformLocal(this, "OidcIssuerHost", Fn.replace(cluster.oidcIssuerUrl, "https://", ""));
      trust = irsaTrust(this.oidcProviderArn, this.oidcIssuerHost.asString, serviceAccountSubject(namespace, serviceAccountName));
    } else {
      trust = podIdentityTrust(cluster.clusterName, namespace, serviceAccountName);
    }

    this.resource = new IamRole(this, "Resource", {
      namePrefix: `loki-${cluster.clusterName}`.slice(0, 37) + "-",
      description: `Loki in ${namespace}/${serviceAccountName} on ${cluster.clusterName}: read and write its S3 buckets`,
      assumeRolePolicy: policyJson(trust),
    });
    this.roleArn = this.resource.arn;

    // The ID and name date from when the policy held only S3 access; they are kept so its address never changes.
    this.policy = new IamRolePolicy(this, "S3Access", {
      name: "loki-s3",
      role: this.resource.id,
      policy: Lazy.stringValue({ produce: () => policyJson(this.statements) }),
    });
    this.node.addValidation({
      validate: () => (this.statements.length === 0 ? ["LokiRole: nothing was granted to the role; grant it access, such as buckets.grantReadWrite(role)"] : []),
    });

    if (this.mode === "pod-identity") {
      new EksPodIdentityAssociation(this, "PodIdentity", {
        clusterName: cluster.clusterName,
        namespace,
        serviceAccount: serviceAccountName,
        roleArn: this.roleArn,
        // The trust policy's conditions read these session tags; disabling them would lock Loki out.
        disableSessionTags: false,
      });
      this.serviceAccountAnnotations = {};
    } else {
      this.serviceAccountAnnotations = { "eks.amazonaws.com/role-arn": this.roleArn };
    }
  }

  /** Adds a statement to the role's inline policy. */
  public addToPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}
