/**
 * The names two parts must agree on, read from what the real chart rendered: which pods run Loki and as which service
 * account, which Service a host and port reach and which pods it routes to, where the ruler's rules are mounted.
 * Each reader returns what it found or says why it found nothing, so a test failure names the mismatch.
 */
import { Json } from "../../__tests__/support/json";
import { K8sObject, Rendered } from "./render";

/** One pod template of the render: of a Deployment, StatefulSet or DaemonSet, or a bare Pod. */
export interface PodTemplate {
  /** The object that owns the template. */
  readonly owner: K8sObject;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The pod spec. */
  readonly spec: Json;
}

/** A container of a pod spec. */
export type Container = Json & { readonly name: string; readonly image: string; readonly args?: readonly string[] };

/** Every pod template of a render. */
export function podTemplates(rendered: Rendered): PodTemplate[] {
  return rendered.objects.flatMap((o): PodTemplate[] => {
    const namespace = String(o.metadata.namespace ?? "");
    if (o.kind === "Pod") return [{ owner: o, namespace, labels: o.metadata.labels ?? {}, spec: o.spec }];
    if (["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind)) {
      return [{ owner: o, namespace, labels: o.spec.template.metadata?.labels ?? {}, spec: o.spec.template.spec }];
    }
    return [];
  });
}

/** The containers of a pod template. */
export function containers(pod: PodTemplate): Container[] {
  return (pod.spec.containers ?? []) as Container[];
}

/** The value of the last `-<flag>=<value>` argument of a container (Go's flag package keeps the last). */
export function flagValue(container: Container, flag: string): string | undefined {
  const prefix = `-${flag}=`;
  const values = (container.args ?? []).filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length));
  return values[values.length - 1];
}

/** The Loki component a pod runs (its container's `-target`), or undefined for pods that do not run Loki. */
export function lokiTarget(pod: PodTemplate): string | undefined {
  for (const container of containers(pod)) {
    const target = flagValue(container, "target");
    if (target !== undefined) return target;
  }
  return undefined;
}

/** Every pod that runs a Loki component. */
export function lokiPods(rendered: Rendered): PodTemplate[] {
  return podTemplates(rendered).filter((pod) => lokiTarget(pod) !== undefined);
}

/** The service account a pod runs as (Kubernetes' `default` when unset). */
export function serviceAccountOf(pod: PodTemplate): string {
  return String(pod.spec.serviceAccountName ?? "default");
}

/** An in-cluster host, `<service>.<namespace>.svc.cluster.local` (a trailing dot allowed), split up. */
export function serviceHost(host: string): { readonly service: string; readonly namespace: string } | undefined {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local\.?$/.exec(host);
  return match ? { service: match[1], namespace: match[2] } : undefined;
}

/** What a host and port reach in the render. */
export interface Reached {
  readonly service: K8sObject;
  /** The pods the Service selects whose containers serve its target port. */
  readonly pods: readonly PodTemplate[];
}

/**
 * The Service a host and port reach and the pods it routes to; a string says why they reach nothing: no such
 * Service, no such port, or no pod whose labels match its selector and that serves its target port.
 */
export function reach(rendered: Rendered, host: string, port: number): Reached | string {
  const parsed = serviceHost(host);
  if (parsed === undefined) return `${host} is not an in-cluster Service host (<service>.<namespace>.svc.cluster.local)`;
  const service = rendered.objects.find((o) => o.kind === "Service" && o.metadata.name === parsed.service && o.metadata.namespace === parsed.namespace);
  if (service === undefined) {
    const services = rendered.objects.filter((o) => o.kind === "Service").map((o) => `${o.metadata.name}.${o.metadata.namespace}`);
    return `no Service ${parsed.service} in namespace ${parsed.namespace}; the chart renders ${services.join(", ")}`;
  }
  const servicePort = ((service.spec.ports ?? []) as Json[]).find((p) => p.port === port);
  if (servicePort === undefined) return `Service ${parsed.service} has no port ${port}; its ports are ${((service.spec.ports ?? []) as Json[]).map((p) => p.port).join(", ")}`;
  const selector = (service.spec.selector ?? {}) as Record<string, string>;
  if (Object.keys(selector).length === 0) return `Service ${parsed.service} selects no pods`;
  const target = servicePort.targetPort ?? port;
  const pods = podTemplates(rendered).filter(
    (pod) =>
      pod.namespace === parsed.namespace &&
      Object.entries(selector).every(([k, v]) => pod.labels[k] === v) &&
      containers(pod).some((c) => ((c.ports ?? []) as Json[]).some((p) => (typeof target === "number" ? p.containerPort === target : p.name === target))),
  );
  if (pods.length === 0) return `Service ${parsed.service} port ${port} (target ${target}) reaches no pod serving that port`;
  return { service, pods };
}

/** A volume mount of a container, with the ConfigMap behind it when there is one. */
export interface Mount {
  readonly mountPath: string;
  readonly configMap?: K8sObject;
}

/** The mounts of a pod's containers that come from ConfigMaps of the render. */
export function configMapMounts(rendered: Rendered, pod: PodTemplate): Mount[] {
  const volumes = (pod.spec.volumes ?? []) as Json[];
  return containers(pod).flatMap((c) =>
    ((c.volumeMounts ?? []) as Json[]).flatMap((m): Mount[] => {
      const volume = volumes.find((v) => v.name === m.name);
      const name = volume?.configMap?.name;
      if (name === undefined) return [];
      const configMap = rendered.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name && o.metadata.namespace === pod.namespace);
      return [{ mountPath: String(m.mountPath), configMap }];
    }),
  );
}
