/**
 * The programs and charts the real-program suite runs, each taken from one environment variable, so that a user with
 * the official release binaries and a Helm CLI runs the same suite as CI. A variable that is unset, or that points
 * nowhere, fails the suite with what to install: the suite never passes by skipping.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";

/** One program or chart the suite needs. */
export interface ProgramSpec {
  /** The environment variable that holds its path. */
  readonly env: string;
  /** What it is. */
  readonly what: string;
  /** Where a user gets it. */
  readonly install: string;
  /** A chart directory rather than an executable. */
  readonly directory?: boolean;
}

/** Every program and chart of the suite, by key. */
export const PROGRAMS = {
  helm: {
    env: "HELM_BIN",
    what: "a Helm 3 CLI that runs `helm template` (3.17 or later)",
    install: "a Helm 3 release binary from https://github.com/helm/helm/releases (or any `helm` that can run `helm template`)",
  },
  lokiChart: {
    env: "LOKI_CHART_DIR",
    what: "the unpacked chart grafana-community/loki 18.11.0, with its subcharts",
    install: "`helm pull loki --repo https://grafana-community.github.io/helm-charts --version 18.11.0 --untar` and point LOKI_CHART_DIR at the loki/ folder",
    directory: true,
  },
  lokiChart6290: {
    env: "LOKI_CHART_6_29_0_DIR",
    what: "the unpacked chart grafana/loki 6.29.0, with its subcharts",
    install: "`helm pull loki --repo https://grafana.github.io/helm-charts --version 6.29.0 --untar` and point LOKI_CHART_6_29_0_DIR at the loki/ folder",
    directory: true,
  },
  loki: {
    env: "LOKI_BIN",
    what: "Loki 3.7.6",
    install: "loki-linux-amd64.zip of https://github.com/grafana/loki/releases/tag/v3.7.6, unzipped",
  },
  loki342: {
    env: "LOKI_3_4_2_BIN",
    what: "Loki 3.4.2",
    install: "loki-linux-amd64.zip of https://github.com/grafana/loki/releases/tag/v3.4.2, unzipped",
  },
  fluentBit: {
    env: "FLUENT_BIT_BIN",
    what: "Fluent Bit 5.1.1",
    install: "the fluent-bit binary of Fluent Bit 5.1.1 (packages at https://docs.fluentbit.io/manual/installation/downloads, or `/fluent-bit/bin/fluent-bit` copied out of cr.fluentbit.io/fluent/fluent-bit:5.1.1)",
  },
  fluentBit401: {
    env: "FLUENT_BIT_4_0_1_BIN",
    what: "Fluent Bit 4.0.1",
    install: "the fluent-bit binary of Fluent Bit 4.0.1 (`/fluent-bit/bin/fluent-bit` copied out of cr.fluentbit.io/fluent/fluent-bit:4.0.1)",
  },
  promtool: {
    env: "PROMTOOL_BIN",
    what: "Prometheus' promtool",
    install: "`apt-get install prometheus` (Debian) or promtool from https://github.com/prometheus/prometheus/releases",
  },
  prometheus: {
    env: "PROMETHEUS_BIN",
    what: "Prometheus",
    install: "`apt-get install prometheus` (Debian) or https://github.com/prometheus/prometheus/releases",
  },
  alertmanager: {
    env: "ALERTMANAGER_BIN",
    what: "Prometheus Alertmanager",
    install: "`apt-get install prometheus-alertmanager` (Debian: /usr/bin/prometheus-alertmanager) or https://github.com/prometheus/alertmanager/releases",
  },
  nginx: {
    env: "NGINX_BIN",
    what: "nginx",
    install: "`apt-get install nginx` (Debian: /usr/sbin/nginx)",
  },
  terraform: {
    env: "TERRAFORM_BIN",
    what: "Terraform 1.10 or later (its `terraform console` evaluates the plan-time guards; no provider is downloaded)",
    install: "a Terraform release binary from https://releases.hashicorp.com/terraform/",
  },
  prometheusChart: {
    env: "PROMETHEUS_CHART_DIR",
    what: "the unpacked chart prometheus-community/prometheus 29.27.0",
    install: "`helm pull prometheus --repo https://prometheus-community.github.io/helm-charts --version 29.27.0 --untar`",
    directory: true,
  },
} as const satisfies Record<string, ProgramSpec>;

/** A program or chart of the suite. */
export type ProgramKey = keyof typeof PROGRAMS;

/**
 * Why a program cannot be used, or undefined when it can: its variable must be set to an executable file (or a
 * chart directory with a Chart.yaml).
 */
export function programProblem(key: ProgramKey, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const spec: ProgramSpec = PROGRAMS[key];
  const path = env[spec.env];
  const hint = `the real-program suite needs ${spec.what}: install ${spec.install}, then set ${spec.env} to its path (.ci/run sets every variable)`;
  if (path === undefined || path.trim() === "") return `${spec.env} is not set; ${hint}`;
  try {
    if (spec.directory) {
      if (!statSync(path).isDirectory() || !existsSync(`${path}/Chart.yaml`)) return `${spec.env}="${path}" is not a chart directory with a Chart.yaml; ${hint}`;
    } else {
      if (!statSync(path).isFile()) return `${spec.env}="${path}" is not a file; ${hint}`;
      accessSync(path, constants.X_OK);
    }
  } catch {
    return `${spec.env}="${path}" does not exist or cannot be ${spec.directory ? "read" : "executed"}; ${hint}`;
  }
  return undefined;
}

/** The path of a program or chart; throws, with what to install, when its variable is unset or points nowhere. */
export function programPath(key: ProgramKey, env: NodeJS.ProcessEnv = process.env): string {
  const problem = programProblem(key, env);
  if (problem !== undefined) throw new Error(problem);
  return env[PROGRAMS[key].env] as string;
}
