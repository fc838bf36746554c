/**
 * Rendered objects against the Kubernetes schemas, with validators generated from Kubernetes' own OpenAPI:
 * `kubernetes-models` (the built-in kinds; its API has resource.k8s.io/v1, so Kubernetes 1.34 or later) and
 * `@kubernetes-models/prometheus-operator` (ServiceMonitor, PrometheusRule, PodMonitor, from the operator's CRDs).
 * They check every field's type, enums, formats (int32, quantities, ...) and required fields. They do not refuse
 * unknown fields: Kubernetes' OpenAPI marks none as forbidden, and the API server's strict field validation has no
 * offline equivalent in a package of the npm registry or Debian.
 * @see https://github.com/tommy351/kubernetes-models-ts
 */
import { K8sObject } from "./render";

/** A model class of kubernetes-models: constructed from an object, it validates it against the schema. */
interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** The module that holds the model of a kind, by the object's apiVersion. */
export function modelModule(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  return group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

const models = new Map<string, ModelClass | undefined>();

/** The model class of a kind, or undefined when the packages have no schema for it. */
function modelOf(apiVersion: string, kind: string): ModelClass | undefined {
  const module = modelModule(apiVersion, kind);
  if (!models.has(module)) {
    let model: ModelClass | undefined;
    try {
      // One module per kind, loaded on first use: the packages hold about 2,000 of them.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      model = (require(module) as Record<string, ModelClass>)[kind];
    } catch (err) {
      if ((err as { code?: string }).code !== "MODULE_NOT_FOUND") throw err;
      model = undefined;
    }
    models.set(module, model);
  }
  return models.get(module);
}

/**
 * Why an object is not valid against the schema of its kind, or undefined when it is. An object of a kind the
 * packages have no schema for is a problem too: nothing rendered goes unchecked.
 */
export function schemaProblem(object: K8sObject): string | undefined {
  const what = `${object.kind} ${object.metadata?.name} (${object.apiVersion})`;
  const Model = modelOf(object.apiVersion, object.kind);
  if (Model === undefined) return `${what}: no Kubernetes schema for this kind in kubernetes-models or @kubernetes-models/prometheus-operator`;
  try {
    new Model(object).validate();
    return undefined;
  } catch (err) {
    return `${what}: ${(err as Error).message}`;
  }
}

/** Every schema problem of a render, one line each. */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  return objects.map(schemaProblem).filter((p): p is string => p !== undefined);
}
