/**
 * The real-program suite's programs come from environment variables; a variable that is unset or points nowhere must
 * fail with what to install, never let the suite pass by skipping. Plain Node: no program is run here.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROGRAMS, programPath, programProblem } from "../../real/support/programs";
import { RULER_FORMATS } from "../../lib/loki/rules/rulefmt";
import { LOKI_PROGRAMS, VERSION_PROGRAMS, versionPrograms } from "../../real/support/versions";

describe("real-program suite programs", () => {
  const dir = mkdtempSync(join(tmpdir(), "programs-"));
  const executable = join(dir, "loki");
  writeFileSync(executable, "#!/bin/sh\n");
  chmodSync(executable, 0o755);
  const plain = join(dir, "not-executable");
  writeFileSync(plain, "");
  const chart = join(dir, "chart");
  mkdirSync(chart);
  writeFileSync(join(chart, "Chart.yaml"), "name: loki\n");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("given each program's variable unset, then its problem names the variable and what to install", () => {
    for (const [key, spec] of Object.entries(PROGRAMS)) {
      const problem = programProblem(key as keyof typeof PROGRAMS, {});
      expect(problem).toContain(`${spec.env} is not set`);
      expect(problem).toContain(spec.install);
    }
  });

  test("given a variable that points at a missing file, then programPath fails with the path", () => {
    expect(() => programPath("loki", { LOKI_BIN: join(dir, "missing") })).toThrow(/LOKI_BIN=".*missing" does not exist or cannot be executed/);
  });

  test("given a file that cannot be executed, then programPath fails", () => {
    expect(() => programPath("loki", { LOKI_BIN: plain })).toThrow(/cannot be executed/);
  });

  test("given a directory without Chart.yaml as a chart, then programPath fails", () => {
    expect(() => programPath("lokiChart", { LOKI_CHART_DIR: dir })).toThrow(/not a chart directory with a Chart.yaml/);
  });

  test("given an executable and a chart directory, then programPath returns their paths", () => {
    expect(programPath("loki", { LOKI_BIN: executable })).toBe(executable);
    expect(programPath("lokiChart", { LOKI_CHART_DIR: chart })).toBe(chart);
  });

  test("given each chart version, then its own chart, Loki and Fluent Bit run it, each from its own variable", () => {
    expect(PROGRAMS[VERSION_PROGRAMS["18.11.0"].loki].env).toBe("LOKI_BIN");
    expect(PROGRAMS[VERSION_PROGRAMS["6.29.0"].loki].env).toBe("LOKI_3_4_2_BIN");
    expect(PROGRAMS[VERSION_PROGRAMS["18.11.0"].fluentBit].env).toBe("FLUENT_BIT_BIN");
    expect(PROGRAMS[VERSION_PROGRAMS["6.29.0"].fluentBit].env).toBe("FLUENT_BIT_4_0_1_BIN");
    expect(PROGRAMS[VERSION_PROGRAMS["18.11.0"].chart].env).toBe("LOKI_CHART_DIR");
    expect(PROGRAMS[VERSION_PROGRAMS["6.29.0"].chart].env).toBe("LOKI_CHART_6_29_0_DIR");
    expect(() => versionPrograms("6.30.0")).toThrow(/no programs for chart version 6.30.0/);
  });

  test("given each Loki version the rule-file checks know, then the suite has that Loki's program", () => {
    expect(Object.keys(LOKI_PROGRAMS).sort()).toEqual(Object.keys(RULER_FORMATS).sort());
    expect(PROGRAMS[LOKI_PROGRAMS["3.4.2"]].env).toBe("LOKI_3_4_2_BIN");
    expect(PROGRAMS[LOKI_PROGRAMS["3.7.6"]].env).toBe("LOKI_BIN");
  });
});
