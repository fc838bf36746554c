/**
 * The targets Prometheus' Kubernetes service discovery would find for a set of Kubernetes objects, with the
 * `__meta_kubernetes_*` labels it gives them: the `pod` role (one target per container port), the `endpointslice` role
 * (one target per endpoint and Service port, plus the other container ports of each pod behind the Service) and the
 * `service` role (one per Service port). Pods come from the workloads' pod templates, as the controllers would create
 * them; EndpointSlices from each Service's selector over those pods, as the EndpointSlice controller would.
 *
 * Only the discovery is built here, where there is no cluster: what the relabel rules of a scrape job then do with
 * these labels is the real Prometheus' work in the real-program suite (static or file targets that carry them), and
 * a small reading of the rules in the plain tests.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#kubernetes_sd_config
 * @see https://github.com/prometheus/prometheus/blob/main/discovery/kubernetes/pod.go
 * @see https://github.com/prometheus/prometheus/blob/main/discovery/kubernetes/endpointslice.go
 */
import { Json } from "./json";

/** A label set of one target, as Prometheus' discovery gives it. */
export type Labels = Record<string, string>;

/** A Kubernetes object, as the API (or `helm template`) writes it. */
export type KubeObject = Json & { readonly kind: string; readonly metadata: Json & { readonly name: string } };

/** One container port of a pod. */
interface ContainerPort {
  readonly containerPort: number;
  readonly name?: string;
  readonly protocol?: string;
}

/** A pod as a controller would create it from a workload's template, scheduled and running. */
export interface DiscoveredPod {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly nodeName: string;
  readonly controllerKind: string;
  readonly controllerName: string;
  /** The workload the pod belongs to (a Deployment's, not its ReplicaSet's, name). */
  readonly workload: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly containers: readonly { readonly name: string; readonly image: string; readonly ports: readonly ContainerPort[]; readonly init: boolean }[];
}

/** Prometheus' `strutil.SanitizeLabelName`: every character that may not be in a label name becomes "_". */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** `<prefix>_label_<name>` and `<prefix>_labelpresent_<name>` (or annotation) for each entry of a map. */
function mapLabels(prefix: string, kind: "label" | "annotation", map: Readonly<Record<string, string>> | undefined): Labels {
  return Object.fromEntries(
    Object.entries(map ?? {}).flatMap(([key, value]) => [
      [`${prefix}_${kind}_${sanitizeLabelName(key)}`, String(value)],
      [`${prefix}_${kind}present_${sanitizeLabelName(key)}`, "true"],
    ]),
  );
}

/** The pods a node runs, by name, as a DaemonSet places one on each. */
export interface SdCluster {
  /** The nodes every DaemonSet runs a pod on. */
  readonly nodes: readonly string[];
  /** The IP a pod gets: the caller decides where its traffic goes. */
  podIp(pod: Omit<DiscoveredPod, "ip">): string;
}

/** The pods of the workloads among the objects (Deployments, StatefulSets, DaemonSets), with their templates' metadata. */
export function podsOf(objects: readonly KubeObject[], cluster: SdCluster): DiscoveredPod[] {
  return objects.flatMap((workload) => {
    if (!["Deployment", "StatefulSet", "DaemonSet"].includes(workload.kind)) return [];
    const template = workload.spec?.template ?? {};
    const namespace = String(workload.metadata.namespace ?? "default");
    const replicas = workload.kind === "DaemonSet" ? cluster.nodes.length : Number(workload.spec?.replicas ?? 1);
    const spec = template.spec ?? {};
    const containers = [
      ...((spec.initContainers ?? []) as Json[]).map((c) => ({ c, init: true })),
      ...((spec.containers ?? []) as Json[]).map((c) => ({ c, init: false })),
    ].map(({ c, init }) => ({ name: String(c.name), image: String(c.image), ports: (c.ports ?? []) as ContainerPort[], init }));
    return Array.from({ length: replicas }, (_, i) => {
      // The names and labels the controllers give their pods.
      const [name, controllerLabels, controllerKind, controllerName] =
        workload.kind === "StatefulSet"
          ? [`${workload.metadata.name}-${i}`, { "controller-revision-hash": `${workload.metadata.name}-6c5d4b8f9`, "statefulset.kubernetes.io/pod-name": `${workload.metadata.name}-${i}`, "apps.kubernetes.io/pod-index": String(i) }, "StatefulSet", workload.metadata.name]
          : workload.kind === "DaemonSet"
            ? [`${workload.metadata.name}-${podSuffix(i)}`, { "controller-revision-hash": "7b9c5d6f48", "pod-template-generation": "1" }, "DaemonSet", workload.metadata.name]
            : [`${workload.metadata.name}-5f7c9d8b6-${podSuffix(i)}`, { "pod-template-hash": "5f7c9d8b6" }, "ReplicaSet", `${workload.metadata.name}-5f7c9d8b6`];
      const nodeName = workload.kind === "DaemonSet" ? cluster.nodes[i] : cluster.nodes[i % cluster.nodes.length];
      const pod = {
        namespace,
        name,
        nodeName,
        controllerKind,
        controllerName,
        workload: workload.metadata.name,
        labels: { ...(template.metadata?.labels ?? {}), ...controllerLabels },
        annotations: { ...(template.metadata?.annotations ?? {}) },
        containers,
      };
      return { ...pod, ip: cluster.podIp(pod) };
    });
  });
}

/** A pod name's random suffix, made stable: five characters of the alphabet the controllers use. */
function podSuffix(i: number): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  return Array.from({ length: 5 }, (_, k) => alphabet[(i * 7 + k * 3) % alphabet.length]).join("");
}

/** The pod-level labels of the `pod` role (and of pods behind an EndpointSlice). */
function podLabels(pod: DiscoveredPod): Labels {
  return {
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_ip: pod.ip,
    __meta_kubernetes_pod_ready: "true",
    __meta_kubernetes_pod_phase: "Running",
    __meta_kubernetes_pod_node_name: pod.nodeName,
    __meta_kubernetes_pod_host_ip: "10.0.1.10",
    __meta_kubernetes_pod_uid: `uid-${pod.namespace}-${pod.name}`,
    __meta_kubernetes_pod_controller_kind: pod.controllerKind,
    __meta_kubernetes_pod_controller_name: pod.controllerName,
    ...mapLabels("__meta_kubernetes_pod", "label", pod.labels),
    ...mapLabels("__meta_kubernetes_pod", "annotation", pod.annotations),
  };
}

/** The labels of one container port of a pod. */
function containerPortLabels(container: DiscoveredPod["containers"][number], port: ContainerPort): Labels {
  return {
    __meta_kubernetes_pod_container_name: container.name,
    __meta_kubernetes_pod_container_image: container.image,
    __meta_kubernetes_pod_container_port_name: port.name ?? "",
    __meta_kubernetes_pod_container_port_number: String(port.containerPort),
    __meta_kubernetes_pod_container_port_protocol: port.protocol ?? "TCP",
    __meta_kubernetes_pod_container_init: String(container.init),
  };
}

/** The `pod` role's targets: one per container port of every pod, or one per container without ports. */
export function podTargets(pods: readonly DiscoveredPod[]): Labels[] {
  return pods.flatMap((pod) => {
    const base = { __meta_kubernetes_namespace: pod.namespace, ...podLabels(pod) };
    return pod.containers.flatMap((container) =>
      container.ports.length === 0
        ? [{ ...base, __address__: pod.ip, __meta_kubernetes_pod_container_name: container.name, __meta_kubernetes_pod_container_image: container.image, __meta_kubernetes_pod_container_init: String(container.init) }]
        : container.ports.map((port) => ({ ...base, ...containerPortLabels(container, port), __address__: `${pod.ip}:${port.containerPort}` })),
    );
  });
}

/** True when every selector label is on the pod. */
function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** The Services among the objects. */
function servicesOf(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((o) => o.kind === "Service");
}

/** The labels the endpointslice and service roles take from a Service. */
function serviceLabels(service: KubeObject): Labels {
  return {
    __meta_kubernetes_service_name: service.metadata.name,
    ...mapLabels("__meta_kubernetes_service", "label", service.metadata.labels),
    ...mapLabels("__meta_kubernetes_service", "annotation", service.metadata.annotations),
  };
}

/**
 * The `endpointslice` role's targets: for every Service with a selector, one EndpointSlice of the pods it selects in
 * its namespace, and one target per pod and Service port (at the port's target port); then each of those pods'
 * container ports that no Service port names, as Prometheus adds them.
 */
export function endpointSliceTargets(objects: readonly KubeObject[], pods: readonly DiscoveredPod[]): Labels[] {
  return servicesOf(objects).flatMap((service) => {
    const namespace = String(service.metadata.namespace ?? "default");
    const backing = pods.filter((pod) => pod.namespace === namespace && selects(service.spec?.selector, pod.labels));
    const slice = {
      __meta_kubernetes_namespace: namespace,
      __meta_kubernetes_endpointslice_name: `${service.metadata.name}-x7k2p`,
      __meta_kubernetes_endpointslice_address_type: "IPv4",
      __meta_kubernetes_endpointslice_label_kubernetes_io_service_name: service.metadata.name,
      __meta_kubernetes_endpointslice_labelpresent_kubernetes_io_service_name: "true",
      ...serviceLabels(service),
    };
    const servicePorts = (service.spec?.ports ?? []) as Json[];
    return backing.flatMap((pod) => {
      const seen = new Set<string>();
      const inSlice = servicePorts.flatMap((sp) => {
        const target = resolveTargetPort(pod, sp.targetPort ?? sp.port);
        if (target === undefined) return [];
        seen.add(`${target.container.name}/${target.port.containerPort}`);
        return [
          {
            ...slice,
            ...podLabels(pod),
            ...containerPortLabels(target.container, target.port),
            __address__: `${pod.ip}:${target.port.containerPort}`,
            __meta_kubernetes_endpointslice_port: String(target.port.containerPort),
            __meta_kubernetes_endpointslice_port_name: String(sp.name ?? ""),
            __meta_kubernetes_endpointslice_port_protocol: String(sp.protocol ?? "TCP"),
            __meta_kubernetes_endpointslice_endpoint_conditions_ready: "true",
            __meta_kubernetes_endpointslice_endpoint_conditions_serving: "true",
            __meta_kubernetes_endpointslice_endpoint_conditions_terminating: "false",
            __meta_kubernetes_endpointslice_endpoint_node_name: pod.nodeName,
            __meta_kubernetes_endpointslice_address_target_kind: "Pod",
            __meta_kubernetes_endpointslice_address_target_name: pod.name,
          },
        ];
      });
      // The pod's other container ports, as Prometheus adds them for pods behind a Service.
      const others = pod.containers.flatMap((container) =>
        container.ports
          .filter((port) => !seen.has(`${container.name}/${port.containerPort}`))
          .map((port) => ({ ...slice, ...podLabels(pod), ...containerPortLabels(container, port), __address__: `${pod.ip}:${port.containerPort}` })),
      );
      return [...inSlice, ...others];
    });
  });
}

/** The container port a Service port's targetPort names (by name or number) on a pod. */
function resolveTargetPort(pod: DiscoveredPod, targetPort: unknown): { container: DiscoveredPod["containers"][number]; port: ContainerPort } | undefined {
  for (const container of pod.containers.filter((c) => !c.init)) {
    for (const port of container.ports) {
      if (typeof targetPort === "string" && !/^\d+$/.test(targetPort) ? port.name === targetPort : port.containerPort === Number(targetPort)) return { container, port };
    }
  }
  return undefined;
}

/** The `service` role's targets: one per Service port, at the Service's cluster DNS name. */
export function serviceTargets(objects: readonly KubeObject[]): Labels[] {
  return servicesOf(objects).flatMap((service) => {
    const namespace = String(service.metadata.namespace ?? "default");
    return ((service.spec?.ports ?? []) as Json[]).map((sp) => ({
      __meta_kubernetes_namespace: namespace,
      ...serviceLabels(service),
      __meta_kubernetes_service_port_name: String(sp.name ?? ""),
      __meta_kubernetes_service_port_number: String(sp.port),
      __meta_kubernetes_service_port_protocol: String(sp.protocol ?? "TCP"),
      __meta_kubernetes_service_type: String(service.spec?.type ?? "ClusterIP"),
      __address__: `${service.metadata.name}.${namespace}.svc:${sp.port}`,
    }));
  });
}
