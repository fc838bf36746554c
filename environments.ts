import { EXAMPLE_RULE_GROUPS, LokiStackProps } from "./lib";

/**
 * The example environments, one stack each, keyed by stack name.
 * Edit these (or add your own) to deploy to your cluster.
 */
export const ENVIRONMENTS: Readonly<Record<string, LokiStackProps>> = {
  // Try-out: a MinIO release beside Loki holds the data (chart 18.11.0 refuses its bundled MinIO); no S3 bucket and no IAM.
  "loki-minio": {
    clusterName: "loki-sandbox",
    storage: "minio",
    ruleGroups: EXAMPLE_RULE_GROUPS,
  },

  // The reference deployment: S3 + IRSA in ap-northeast-1, namespace and service account "loki".
  "loki-s3": {
    clusterName: "loki-reference",
    region: "ap-northeast-1",
    namespace: "loki",
    serviceAccountName: "loki",
    chunksBucketName: "loki-reference-apne1-chunks",
    rulerBucketName: "loki-reference-apne1-ruler",
    ruleGroups: EXAMPLE_RULE_GROUPS,
  },
};
