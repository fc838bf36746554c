import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { DaemonSetV1 } from "@cdktf/provider-kubernetes/lib/daemon-set-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Construct } from "constructs";
import { NAMESPACE_NAME_LABEL } from "../core/kubernetes";
import { escapeTerraformTemplates } from "../core/terraform";
import {
  buildFluentBitConfig,
  configChecksum,
  FLUENT_BIT_CONFIG_DIR,
  FLUENT_BIT_CONFIG_FILE,
  FLUENT_BIT_GRACE_SECONDS,
  FLUENT_BIT_HTTP_PORT,
  FluentBitConfig,
  passwordVariable,
  renderFluentBitConfig,
} from "./config";
import { FluentBitProps, resolveFluentBitProps, ResolvedFluentBitProps } from "./props";

/** Name of every Kubernetes object the agent owns. */
const NAME = "fluent-bit";
/** The labels the DaemonSet selects its pods by; the metrics Service and the PodMonitor select the same. */
export const FLUENT_BIT_SELECTOR_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/instance": NAME };
/** Name of the container port serving health and metrics. */
export const FLUENT_BIT_PORT_NAME = "http";
/** Pod annotation carrying the config's SHA-256. */
export const CONFIG_CHECKSUM_ANNOTATION = "checksum/config";
/**
 * Seconds Kubernetes waits after SIGTERM before it kills the agent: Fluent Bit's own grace
 * plus headroom to close the outputs and sync the buffer to disk.
 */
export const FLUENT_BIT_TERMINATION_GRACE_SECONDS = FLUENT_BIT_GRACE_SECONDS + 30;
/** Name of the Secret holding each tenant's password (several tenants), in the agents' namespace. */
export const FLUENT_BIT_CREDENTIALS_SECRET = "fluent-bit-loki-credentials";
/**
 * Pod annotation carrying the credentials Secret's resource version (several tenants): the agents read the passwords
 * from their environment at start, so a new password rolls them, in the same apply.
 */
export const CREDENTIALS_VERSION_ANNOTATION = "loki.grafana.com/credentials-version";

/**
 * Fluent Bit as a DaemonSet that tails every container's log on every node and pushes it to the Loki
 * distributor. Offsets and unsent chunks live in a host directory, so neither a Loki outage nor an agent
 * restart drops or resends lines. It validates its own props (resolveFluentBitProps).
 * @see https://docs.fluentbit.io/manual/4.0/installation/kubernetes
 * @see https://github.com/fluent/helm-charts/tree/main/charts/fluent-bit
 */
export class FluentBit extends Construct {
  /** The DaemonSet. */
  public readonly resource: DaemonSetV1;
  /** The props with every default applied. */
  public readonly settings: ResolvedFluentBitProps;
  /** Namespace of every agent object. */
  public readonly namespace: string;
  /** Service account the agent runs as; the only subject of its ClusterRole. */
  public readonly serviceAccountName: string;
  /** The typed config. */
  public readonly config: FluentBitConfig;
  /** The config as Fluent Bit reads it. */
  public readonly configYaml: string;
  /** SHA-256 of `configYaml`, the pods' rollout trigger. */
  public readonly configChecksum: string;
  /** Prometheus endpoint of the agents' metrics, behind their ClusterIP Service. */
  public readonly metricsUrl: string;
  /** The tenants' passwords (several tenants), which the agents read as environment variables. */
  public readonly credentials?: SecretV1;
  /** The agents' NetworkPolicy, when asked for. */
  public readonly networkPolicy?: NetworkPolicyV1;

  constructor(scope: Construct, id: string, props: FluentBitProps) {
    super(scope, id);
    const settings = resolveFluentBitProps(props);
    this.settings = settings;
    this.config = buildFluentBitConfig(settings);
    this.configYaml = renderFluentBitConfig(this.config);
    this.configChecksum = configChecksum(this.configYaml);
    this.namespace = settings.namespace;
    this.serviceAccountName = NAME;
    const { agent } = settings;
    this.metricsUrl = `http://${NAME}.${settings.namespace}.svc.cluster.local:${FLUENT_BIT_HTTP_PORT}${agent.metricsPath}`;

    const selector = { ...FLUENT_BIT_SELECTOR_LABELS };
    const labels = { ...selector, "app.kubernetes.io/part-of": "loki", "app.kubernetes.io/managed-by": "cdktf" };

    const namespace = new NamespaceV1(this, "Namespace", {
      metadata: {
        name: settings.namespace,
        labels: {
          ...labels,
          // hostPath volumes are outside the "baseline" Pod Security level; this namespace holds only the agent.
          "pod-security.kubernetes.io/enforce": "privileged",
        },
      },
    });
    // Reading names back from the namespace makes Terraform create it first and delete it last.
    const ns = namespace.metadata.name;

    const serviceAccount = new ServiceAccountV1(this, "ServiceAccount", {
      metadata: { name: NAME, namespace: ns, labels },
      // The kubernetes filter reads pod metadata from the API with this account's token.
      automountServiceAccountToken: true,
    });

    const clusterRole = new ClusterRoleV1(this, "ClusterRole", {
      metadata: { name: NAME, labels },
      // Pod labels and annotations for the kubernetes filter; nothing else, and read-only.
      rule: [{ apiGroups: [""], resources: ["namespaces", "pods"], verbs: ["get", "list", "watch"] }],
    });

    new ClusterRoleBindingV1(this, "ClusterRoleBinding", {
      metadata: { name: NAME, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
      subject: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: ns }],
    });

    const configMap = new ConfigMapV1(this, "Config", {
      metadata: { name: NAME, namespace: ns, labels },
      // Escaped for Terraform: the config names the tenants' passwords as ${LOKI_PASSWORD_<TENANT>}, Fluent Bit's own variables.
      data: { [FLUENT_BIT_CONFIG_FILE]: escapeTerraformTemplates(this.configYaml) },
    });

    // Several tenants: each tenant's password, read by the config as ${LOKI_PASSWORD_<TENANT>}.
    const tenants = settings.loki.tenants ?? [];
    if (tenants.length > 0) {
      this.credentials = new SecretV1(this, "Credentials", {
        metadata: { name: FLUENT_BIT_CREDENTIALS_SECRET, namespace: ns, labels },
        data: Object.fromEntries(tenants.map((t) => [t.name, t.password])),
      });
    }
    const credentials = this.credentials;

    const stateDir = settings.hostStateDir;
    const { resources } = settings;
    this.resource = new DaemonSetV1(this, "Resource", {
      metadata: { name: NAME, namespace: ns, labels },
      spec: {
        selector: { matchLabels: selector },
        // Never two agents on one node: they would share the offsets DB and the buffer, and ship lines twice.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "1", maxSurge: "0" } },
        template: {
          metadata: {
            labels,
            annotations: {
              [CONFIG_CHECKSUM_ANNOTATION]: this.configChecksum,
              ...(credentials ? { [CREDENTIALS_VERSION_ANNOTATION]: credentials.metadata.resourceVersion } : {}),
            },
          },
          spec: {
            serviceAccountName: serviceAccount.metadata.name,
            automountServiceAccountToken: true,
            priorityClassName: "system-node-critical",
            terminationGracePeriodSeconds: FLUENT_BIT_TERMINATION_GRACE_SECONDS,
            // Every node, tainted or not: a node without the agent is a node whose logs are lost.
            toleration: [{ operator: "Exists" }],
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            container: [
              {
                name: NAME,
                image: settings.image,
                imagePullPolicy: "IfNotPresent",
                command: ["/fluent-bit/bin/fluent-bit"],
                args: [`--config=${FLUENT_BIT_CONFIG_DIR}/${FLUENT_BIT_CONFIG_FILE}`],
                env: credentials
                  ? tenants.map((t) => ({
                      name: passwordVariable(t.name),
                      valueFrom: { secretKeyRef: { name: credentials.metadata.name, key: t.name, optional: false } },
                    }))
                  : undefined,
                port: [{ name: FLUENT_BIT_PORT_NAME, containerPort: FLUENT_BIT_HTTP_PORT, protocol: "TCP" }],
                livenessProbe: {
                  httpGet: { path: agent.livenessPath, port: String(FLUENT_BIT_HTTP_PORT) },
                  initialDelaySeconds: 10,
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
                readinessProbe: {
                  httpGet: { path: agent.readinessPath, port: String(FLUENT_BIT_HTTP_PORT) },
                  periodSeconds: 10,
                  failureThreshold: 3,
                },
                resources: {
                  requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
                  limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
                },
                // Root, with every capability dropped. Container logs are root-owned (0640 files under 0755
                // directories): uid 0 reads them as their owner, which needs no capability, and it owns the
                // state directory kubelet creates. A non-root uid would need DAC_READ_SEARCH, which bypasses
                // read permission on every file the container can reach, and write access to the state directory.
                securityContext: {
                  runAsUser: "0",
                  runAsGroup: "0",
                  runAsNonRoot: false,
                  privileged: false,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMount: [
                  { name: "varlog", mountPath: "/var/log", readOnly: true },
                  // Same path inside and out, so the config's db and storage.path name the host directory.
                  { name: "state", mountPath: stateDir, readOnly: false },
                  { name: "machine-id", mountPath: "/etc/machine-id", readOnly: true },
                  { name: "config", mountPath: FLUENT_BIT_CONFIG_DIR, readOnly: true },
                ],
              },
            ],
            volume: [
              { name: "varlog", hostPath: { path: "/var/log", type: "Directory" } },
              { name: "state", hostPath: { path: stateDir, type: "DirectoryOrCreate" } },
              { name: "machine-id", hostPath: { path: "/etc/machine-id", type: "File" } },
              { name: "config", configMap: { name: configMap.metadata.name, defaultMode: "0444" } },
            ],
          },
        },
      },
    });

    // Only the Prometheus pods reach the agents' HTTP server (health and metrics); kubelet's probes come from the node,
    // which a NetworkPolicy never blocks. Egress stays open: the agents' extra outputs may go anywhere.
    if (settings.networkPolicy !== undefined) {
      const { metricsScrapers } = settings.networkPolicy;
      this.networkPolicy = new NetworkPolicyV1(this, "NetworkPolicy", {
        metadata: { name: NAME, namespace: ns, labels },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: metricsScrapers.namespace } },
                  podSelector: { matchLabels: { ...metricsScrapers.podLabels } },
                },
              ],
              ports: [{ port: String(FLUENT_BIT_HTTP_PORT), protocol: "TCP" }],
            },
          ],
        },
      });
    }

    new ServiceV1(this, "MetricsService", {
      metadata: {
        name: NAME,
        namespace: ns,
        labels,
        annotations: {
          "prometheus.io/scrape": "true",
          "prometheus.io/port": String(FLUENT_BIT_HTTP_PORT),
          "prometheus.io/path": agent.metricsPath,
        },
      },
      spec: {
        type: "ClusterIP",
        selector,
        // An agent that Loki keeps failing turns unready; its metrics are then the ones worth scraping.
        publishNotReadyAddresses: true,
        port: [{ name: "http", port: FLUENT_BIT_HTTP_PORT, targetPort: "http", protocol: "TCP" }],
      },
    });
  }
}
