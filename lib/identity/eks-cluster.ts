import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { Fn } from "cdktf";
import { Construct } from "constructs";

/** Properties of the cluster lookup. */
export interface EksClusterProps {
  /** Name of the existing EKS cluster. */
  readonly clusterName: string;
}

/**
 * An existing EKS cluster, looked up by name: its API endpoint and CA for the providers,
 * and its OIDC issuer for IRSA.
 */
export class EksCluster extends Construct {
  /** The data source. */
  public readonly resource: DataAwsEksCluster;
  /** Cluster name. */
  public readonly clusterName: string;
  /** API server endpoint. */
  public readonly endpoint: string;
  /** PEM CA bundle of the API server. */
  public readonly certificateAuthority: string;
  /** OIDC issuer URL, `https://oidc.eks.<region>.amazonaws.com/id/<id>`. */
  public readonly oidcIssuerUrl: string;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    this.resource = new DataAwsEksCluster(this, "Resource", { name: props.clusterName });
    this.clusterName = props.clusterName;
    this.endpoint = this.resource.endpoint;
    this.certificateAuthority = Fn.base64decode(this.resource.certificateAuthority.get(0).data);
    this.oidcIssuerUrl = this.resource.identity.get(0).oidc.get(0).issuer;
  }
}
