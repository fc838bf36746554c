import { App } from "cdktf";
import { EXAMPLE_RULE_GROUPS, LokiStack } from "./lib";

const app = new App();

// Try-out environment: the chart's bundled MinIO, no AWS storage or IAM.
new LokiStack(app, "loki-minio", {
  clusterName: "loki-sandbox",
  storage: "minio",
  ruleGroups: EXAMPLE_RULE_GROUPS,
});

// The reference deployment: S3 with IRSA in ap-northeast-1, namespace and service account "loki".
new LokiStack(app, "loki-s3", {
  clusterName: "loki-reference",
  region: "ap-northeast-1",
  namespace: "loki",
  serviceAccountName: "loki",
  chunksBucketName: "loki-reference-apne1-chunks",
  rulerBucketName: "loki-reference-apne1-ruler",
  ruleGroups: EXAMPLE_RULE_GROUPS,
});

app.synth();
