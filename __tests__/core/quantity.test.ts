import { canonicalQuantity, lokiByteSize, quantityBytes } from "../../lib/core/quantity";

describe("quantityBytes", () => {
  test.each([
    ["4Gi", 4 * 1024 ** 3],
    ["512Mi", 512 * 1024 ** 2],
    ["1.5Gi", 1.5 * 1024 ** 3],
    ["2G", 2e9],
    ["1000", 1000],
  ])("given %s, then it is %d bytes", (quantity, bytes) => {
    expect(quantityBytes(quantity)).toBe(bytes);
  });

  test.each(["250m", "ten", "4 Gi", "0.1"])("fails on %s, which is no whole number of bytes", (quantity) => {
    expect(() => quantityBytes(quantity)).toThrow(/whole-byte Kubernetes quantity/);
  });
});

describe("canonicalQuantity", () => {
  test.each([
    ["10Gi", "10Gi"],
    ["10240Mi", "10Gi"],
    ["1536Mi", "1536Mi"],
    ["0.5Gi", "512Mi"],
    ["1024Gi", "1Ti"],
    ["1000M", "1G"],
    ["1024", "1024"],
    ["1000", "1k"],
    ["250m", "250m"],
  ])("given %s, then the API server writes it back as %s", (quantity, canonical) => {
    expect(canonicalQuantity(quantity)).toBe(canonical);
  });
});

describe("lokiByteSize", () => {
  test("given whole bytes, then the largest binary unit Loki's byte sizes parse that keeps an integer", () => {
    expect(lokiByteSize(3 * 1024 ** 3)).toBe("3GB");
    expect(lokiByteSize(1536 * 1024 ** 2)).toBe("1536MB");
    expect(lokiByteSize(256 * 1024)).toBe("256KB");
    expect(lokiByteSize(1000)).toBe("1000B");
    expect(lokiByteSize(0)).toBe("0B");
  });

  test("given any output, then it never carries a Kubernetes suffix (Mi, MiB, Gi) that Loki refuses", () => {
    for (const bytes of [1, 1024, 1024 ** 2 * 3072, 1024 ** 3 * 6, 1024 ** 4]) expect(lokiByteSize(bytes)).toMatch(/^\d+(B|KB|MB|GB)$/);
  });

  test("fails on a fraction or a negative number of bytes", () => {
    expect(() => lokiByteSize(1.5)).toThrow(/whole number of bytes/);
    expect(() => lokiByteSize(-1)).toThrow(/whole number of bytes/);
  });
});
