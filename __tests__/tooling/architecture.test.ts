/**
 * The layering of lib/, read from the sources with TypeScript's own import scanner: no import cycle, no part
 * importing a sibling part, and the grants running from resource to grantee (identity/ knows no buckets).
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const LIB = path.resolve(__dirname, "../../lib");
/** The parts of the platform: each a folder that imports only core/ and itself. */
const PARTS = ["storage", "volumes", "identity", "loki", "fluent-bit", "grafana", "monitoring", "access"];

/** Every .ts file under lib/, as a path relative to lib/. */
function sources(dir = LIB): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") ? [path.relative(LIB, full)] : [];
  });
}

/** The lib/ files a file imports (type-only imports included: they bind the layers too). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(LIB, file), "utf8"), true, true);
  return importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => path.relative(LIB, path.resolve(LIB, path.dirname(file), name)) + ".ts");
}

/** Every import cycle of a graph, each as `a -> b -> a`, by depth-first search. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "visiting");
    for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  return cycles;
}

const GRAPH = new Map(sources().map((file) => [file, importsOf(file)]));
const partOf = (file: string): string | undefined => PARTS.find((part) => file.startsWith(`${part}/`));

describe("lib/ import graph", () => {
  test("given every import, then each names a file that exists", () => {
    for (const [file, imports] of GRAPH) for (const target of imports) expect([file, GRAPH.has(target)]).toEqual([file, true]);
  });

  test("given the whole graph, then it has no cycle", () => {
    expect(findCycles(GRAPH)).toEqual([]);
  });

  test("given each part, then it imports only core/ and its own folder", () => {
    const crossings = [...GRAPH].flatMap(([file, imports]) => {
      const part = partOf(file);
      if (part === undefined) return [];
      return imports.filter((target) => !target.startsWith("core/") && partOf(target) !== part).map((target) => `${file} -> ${target}`);
    });
    expect(crossings).toEqual([]);
  });

  test("given core/, then it imports nothing above it", () => {
    const upward = [...GRAPH].filter(([file]) => file.startsWith("core/")).flatMap(([file, imports]) => imports.filter((t) => !t.startsWith("core/")).map((t) => `${file} -> ${t}`));
    expect(upward).toEqual([]);
  });

  test("given the grants, then identity/ does not import storage/, and storage/ does not import the stack's props", () => {
    const edges = [...GRAPH].flatMap(([file, imports]) => imports.map((target) => `${file} -> ${target}`));
    expect(edges.filter((e) => /^identity\/.* -> storage\//.test(e))).toEqual([]);
    expect(edges.filter((e) => /^storage\/.* -> (loki-stack|loki-stack-props)\.ts$/.test(e))).toEqual([]);
  });

  test("given a graph with a planted cycle, then the cycle check finds it", () => {
    const planted = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
    ]);
    expect(findCycles(planted)).toEqual(["a.ts -> b.ts -> c.ts -> a.ts"]);
  });
});

describe("lib/index.ts", () => {
  test("given the public API, then it names its symbols instead of re-exporting whole modules", () => {
    expect(readFileSync(path.join(LIB, "index.ts"), "utf8")).not.toMatch(/export \* from/);
  });
});
