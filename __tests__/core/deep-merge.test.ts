import { deepMerge, isPlainObject } from "../../lib/core/deep-merge";

describe("deepMerge", () => {
  test("given nested maps, then they merge key by key", () => {
    expect(deepMerge({ a: { b: 1, c: { d: 2 } }, e: 3 }, { a: { c: { f: 4 } }, g: 5 })).toEqual({ a: { b: 1, c: { d: 2, f: 4 } }, e: 3, g: 5 });
  });

  test("given lists, then the override's list replaces the base's, as Helm does", () => {
    expect(deepMerge({ claims: [{ name: "data", size: "10Gi" }] }, { claims: [{ name: "wal" }] })).toEqual({ claims: [{ name: "wal" }] });
  });

  test("given a scalar over a map and a map over a scalar, then the override wins", () => {
    expect(deepMerge({ a: { b: 1 }, c: 2 }, { a: 3, c: { d: 4 } })).toEqual({ a: 3, c: { d: 4 } });
  });

  test("given null, then it replaces the value, which is how Helm removes a default", () => {
    expect(deepMerge({ a: { b: 1 } }, { a: null })).toEqual({ a: null });
  });

  test("given undefined, then the base value stays", () => {
    expect(deepMerge({ a: 1 }, { a: undefined })).toEqual({ a: 1 });
  });

  test("given inputs, then neither is modified and the result shares no objects with them", () => {
    const base = { a: { b: [1, 2] } };
    const override = { a: { c: { d: 1 } } };
    const merged = deepMerge(base, override) as { a: { b: number[]; c: { d: number } } };
    merged.a.b.push(3);
    merged.a.c.d = 2;
    expect(base).toEqual({ a: { b: [1, 2] } });
    expect(override).toEqual({ a: { c: { d: 1 } } });
  });

  test("given a __proto__ key from parsed JSON, then it is ignored and no prototype changes", () => {
    const merged = deepMerge({ a: 1 }, JSON.parse('{"__proto__": {"polluted": true}, "b": 2}')) as Record<string, unknown>;
    expect(merged).toEqual({ a: 1, b: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});

describe("isPlainObject", () => {
  test.each([
    [{}, true],
    [Object.create(null), true],
    [[], false],
    [null, false],
    ["x", false],
    [new Date(0), false],
  ])("given %p, then it is a plain object: %p", (value, expected) => {
    expect(isPlainObject(value)).toBe(expected);
  });
});
