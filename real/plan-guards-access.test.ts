/**
 * The access part's plan-time conditions (a credentials Secret you named, NetworkPolicy enforcement), evaluated by the
 * real `terraform console` (`TERRAFORM_BIN`) against Secrets, DaemonSets and ConfigMaps as the Kubernetes API returns
 * them: one console for every case. In the real-program suite, so that the plain `npm test` needs nothing but Node.
 */
import { namedSecretCheck } from "../lib/access/credentials";
import { enforcementCheck } from "../lib/access/network-policies";
import { PROCESS_TIMEOUT_MS } from "../__tests__/support/processes";
import { consoleValues, unwrapCondition } from "./support/terraform-console";

// This file starts one process (terraform console): give it time on a loaded machine.
jest.setTimeout(PROCESS_TIMEOUT_MS);

/** The plan-time conditions over data sources, each with simulated API objects, and whether the condition holds. */
const SECRET_OBJECTS = "data.kubernetes_resources.loki_tenant_team-b_secret.objects";
const DAEMON_SETS = "data.kubernetes_resources.loki_vpc_cni.objects";
const CONFIG_MAPS = "data.kubernetes_resources.loki_vpc_cni_config.objects";
const b64 = (text: string) => Buffer.from(text).toString("base64");
/** A bcrypt hash (cost 10) of "s3cret-password", in the form htpasswd -nbBC10 writes ($2y$): the check reads its form, not its password. */
const BCRYPT = "$2y$10$nUwMYQOXQDstamjvvPYEhueo4nFhp5zIHwed6OHcH/V7QW6NyOFae";
const secret = (data: Record<string, string>) => [{ apiVersion: "v1", kind: "Secret", metadata: { name: "team-b-loki", namespace: "loki" }, type: "Opaque", data }];
const awsNode = (agentArgs: string[]) => [
  {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "aws-node", namespace: "kube-system" },
    spec: {
      template: {
        spec: {
          containers: [
            { name: "aws-node", image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2" },
            { name: "aws-eks-nodeagent", image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.6", args: agentArgs },
          ],
        },
      },
    },
  },
];
const cniConfig = (data: Record<string, string>) => [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "amazon-vpc-cni", namespace: "kube-system" }, data }];

const CASES: readonly { readonly name: string; readonly check: "secret" | "enforcement"; readonly objects: unknown; readonly configMaps?: unknown; readonly holds: boolean }[] = [
  { name: "a Secret with a password and its bcrypt hash", check: "secret", objects: secret({ password: b64("s3cret-password"), passwordHash: b64(BCRYPT) }), holds: true },
  { name: "no Secret of that name", check: "secret", objects: [], holds: false },
  { name: "no answer at all (null)", check: "secret", objects: null, holds: false },
  { name: "a Secret without a password", check: "secret", objects: secret({ passwordHash: b64(BCRYPT) }), holds: false },
  { name: "a Secret with an empty password", check: "secret", objects: secret({ password: "", passwordHash: b64(BCRYPT) }), holds: false },
  { name: "a Secret whose hash is the password itself", check: "secret", objects: secret({ password: b64("s3cret"), passwordHash: b64("s3cret") }), holds: false },
  { name: "a Secret whose hash is an MD5 crypt, not bcrypt", check: "secret", objects: secret({ password: b64("s3cret"), passwordHash: b64("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/") }), holds: false },
  { name: "the VPC CNI's agent running with network policies on", check: "enforcement", objects: awsNode(["--enable-ipv6=false", "--enable-network-policy=true"]), configMaps: [], holds: true },
  { name: "the VPC CNI's agent running with network policies off", check: "enforcement", objects: awsNode(["--enable-network-policy=false"]), configMaps: cniConfig({}), holds: false },
  { name: "EKS Auto Mode's network policy controller turned on", check: "enforcement", objects: [], configMaps: cniConfig({ "enable-network-policy-controller": "true" }), holds: true },
  { name: "no VPC CNI at all (another CNI, or kind)", check: "enforcement", objects: null, configMaps: null, holds: false },
];

describe("the plan-time conditions, evaluated by the real terraform console", () => {
  let results: boolean[];
  beforeAll(() => {
    const secretCheck = namedSecretCheck(SECRET_OBJECTS, "team-b", "team-b-loki", "loki").condition;
    const enforcement = enforcementCheck(DAEMON_SETS, CONFIG_MAPS).condition;
    const expressions = CASES.map((c, i) =>
      unwrapCondition(c.check === "secret" ? secretCheck : enforcement)
        .split(SECRET_OBJECTS)
        .join(`local.cases[${i}].objects`)
        .split(DAEMON_SETS)
        .join(`local.cases[${i}].objects`)
        .split(CONFIG_MAPS)
        .join(`local.cases[${i}].configMaps`),
    );
    results = consoleValues({ cases: CASES.map((c) => ({ objects: c.objects, configMaps: c.configMaps ?? null })) }, expressions) as boolean[];
  });

  test.each(CASES.map((c, i) => [c.name, c, i] as const))("given %s, then the condition is as expected", (_, c, i) => {
    expect(results[i]).toBe(c.holds);
  });
});
