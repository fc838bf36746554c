import { DataKubernetesResources } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resources";
import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import { Construct } from "constructs";
import { check, checkDnsSubdomain } from "../core/validation";

/**
 * The EBS CSI provisioners a created class can name:
 * - `"ebs.csi.aws.com"`: the `aws-ebs-csi-driver` EKS add-on (or its Helm chart), on clusters with managed or self-managed nodes;
 * - `"ebs.csi.eks.amazonaws.com"`: the block storage built into EKS Auto Mode.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/create-storage-class.html
 */
export const EBS_PROVISIONERS = ["ebs.csi.aws.com", "ebs.csi.eks.amazonaws.com"] as const;
/** One EBS CSI provisioner. */
export type EbsProvisioner = (typeof EBS_PROVISIONERS)[number];

/** The README section that explains the EBS CSI prerequisite; named in the plan-time error. */
export const EBS_CSI_README_SECTION = "README.md#storage-class-and-the-ebs-csi-driver";

/** Name of the StorageClass the stack creates for a Loki namespace: one per namespace, as classes are cluster-wide. */
export function lokiStorageClassName(namespace: string): string {
  return `${namespace}-gp3`;
}

/** Properties of the Loki StorageClass. Setting names match the stack's, so messages name what the user wrote. */
export interface LokiStorageClassProps {
  /** Name of the class; the stack derives it with lokiStorageClassName. */
  readonly name: string;
  /** The CSI driver that provisions the volumes: the EBS CSI add-on, or EKS Auto Mode's built-in one. @default "ebs.csi.aws.com" */
  readonly ebsProvisioner?: EbsProvisioner;
  /** EKS cluster name, for the plan-time message about a missing driver. */
  readonly clusterName: string;
}

/** The class's props with every default applied, validated. */
export interface ResolvedLokiStorageClassProps {
  readonly name: string;
  readonly ebsProvisioner: EbsProvisioner;
  readonly clusterName: string;
}

/**
 * Applies the defaults to the class's props and validates them. Throws a ConfigError that names the setting.
 * @param prefix prepended to setting names in messages
 */
export function resolveLokiStorageClassProps(props: LokiStorageClassProps, prefix = ""): ResolvedLokiStorageClassProps {
  checkDnsSubdomain(`${prefix}name`, props.name);
  const ebsProvisioner = props.ebsProvisioner ?? EBS_PROVISIONERS[0];
  check(EBS_PROVISIONERS.includes(ebsProvisioner), `${prefix}ebsProvisioner`, ebsProvisioner, EBS_PROVISIONERS.map((p) => `"${p}"`).join(" or "));
  check(typeof props.clusterName === "string" && props.clusterName !== "", `${prefix}clusterName`, props.clusterName, "the name of an EKS cluster");
  return { name: props.name, ebsProvisioner, clusterName: props.clusterName };
}

/**
 * The StorageClass every Loki claim uses: encrypted gp3 EBS volumes, bound only once the pod is scheduled
 * (`WaitForFirstConsumer`, so a volume is created in the zone of its node) and expandable in place.
 * Since Kubernetes 1.30, new EKS clusters mark no class as the default, so claims that name none stay Pending.
 * It validates its own props (resolveLokiStorageClassProps).
 *
 * The EBS CSI driver is a prerequisite the stack checks and does not install: the plan reads the cluster's
 * CSIDriver object named after the provisioner and fails with a pointer to the README when it is missing,
 * instead of Helm waiting 15 minutes on Pending claims.
 */
export class LokiStorageClass extends Construct {
  /** The props with every default applied. */
  public readonly settings: ResolvedLokiStorageClassProps;
  /** The StorageClass. */
  public readonly resource: StorageClassV1;
  /** The lookup of the CSI driver the class needs. */
  public readonly driver: DataKubernetesResources;
  /** Name of the class. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: LokiStorageClassProps) {
    super(scope, id);
    const settings = resolveLokiStorageClassProps(props);
    this.settings = settings;
    this.name = settings.name;

    this.driver = new DataKubernetesResources(this, "Driver", {
      apiVersion: "storage.k8s.io/v1",
      kind: "CSIDriver",
      fieldSelector: `metadata.name=${settings.ebsProvisioner}`,
    });
    // The address as text: the condition is one HCL expression, which a token inside would split.
    const objects = `data.${DataKubernetesResources.tfResourceType}.${this.driver.friendlyUniqueId}.objects`;

    this.resource = new StorageClassV1(this, "Resource", {
      metadata: { name: settings.name, labels: { "app.kubernetes.io/part-of": "loki", "app.kubernetes.io/managed-by": "cdktf" } },
      storageProvisioner: settings.ebsProvisioner,
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      // The volume goes with its claim; StatefulSets keep their claims (and so the volumes) when scaled down or deleted.
      reclaimPolicy: "Delete",
      parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
      lifecycle: {
        precondition: [
          {
            condition: `\${length([for o in flatten([${objects}]) : o if o != null]) > 0}`,
            errorMessage:
              `The EBS CSI driver "${settings.ebsProvisioner}" is not installed on EKS cluster "${settings.clusterName}", so no Loki volume could be provisioned. ` +
              `Install the aws-ebs-csi-driver add-on with its IAM role (or, on EKS Auto Mode, set ebsProvisioner: "ebs.csi.eks.amazonaws.com"), ` +
              `or set storageClass to an existing class. See ${EBS_CSI_README_SECTION}.`,
          },
        ],
      },
    });
  }
}
