/** Binary (power-of-1024) suffixes of Kubernetes quantities, smallest first. */
const BINARY_SUFFIXES = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;
/** Decimal (power-of-1000) suffixes of Kubernetes quantities, smallest first. */
const DECIMAL_SUFFIXES = ["k", "M", "G", "T", "P", "E"] as const;

/** A quantity split into an exact integer of base units and its format, or undefined when it has a fraction. */
function parse(quantity: string): { units: bigint; binary: boolean } | undefined {
  const match = /^(\d+)(?:\.(\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity);
  if (!match) return undefined;
  const [, whole, fraction = "", suffix] = match;
  const binaryIndex = BINARY_SUFFIXES.indexOf(suffix as (typeof BINARY_SUFFIXES)[number]);
  const decimalIndex = DECIMAL_SUFFIXES.indexOf(suffix as (typeof DECIMAL_SUFFIXES)[number]);
  const binary = binaryIndex >= 0;
  const multiplier = binary ? 1024n ** BigInt(binaryIndex + 1) : decimalIndex >= 0 ? 1000n ** BigInt(decimalIndex + 1) : 1n;
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole + fraction) * multiplier;
  if (scaled % scale !== 0n) return undefined;
  return { units: scaled / scale, binary };
}

/**
 * The bytes a Kubernetes quantity stands for ("4Gi" is 4294967296), for sizes and memory.
 * @throws Error when the text is not a whole-byte quantity; callers validate it first (checkQuantity).
 */
export function quantityBytes(quantity: string): number {
  const parsed = parse(quantity);
  if (parsed === undefined) throw new Error(`not a whole-byte Kubernetes quantity: ${JSON.stringify(quantity)}`);
  return Number(parsed.units);
}

/**
 * The form the Kubernetes API server writes a quantity back in, so a size read from the cluster compares equal
 * to the one the stack asks for: the largest suffix of the same family that keeps an integer
 * ("10240Mi" is "10Gi", "1000M" is "1G", "0.5Gi" is "512Mi"). Other forms come back unchanged.
 * @see https://github.com/kubernetes/apimachinery/blob/master/pkg/api/resource/quantity.go (CanonicalizeBytes)
 */
export function canonicalQuantity(quantity: string): string {
  const parsed = parse(quantity);
  if (parsed === undefined) return quantity;
  const suffixes = parsed.binary ? BINARY_SUFFIXES : DECIMAL_SUFFIXES;
  const base = parsed.binary ? 1024n : 1000n;
  let value = parsed.units;
  let index = -1;
  while (index < suffixes.length - 1 && value !== 0n && value % base === 0n) {
    value /= base;
    index++;
  }
  return `${value}${index >= 0 ? suffixes[index] : ""}`;
}

/**
 * Bytes in the form Loki's byte-size settings parse (`flagext.ByteSize`, the c2h5oh/datasize units): a whole number
 * of the largest binary unit that keeps it an integer, written `B`, `KB`, `MB` or `GB`, where Loki's `KB` is 1024 bytes
 * and `MB` 1024 KB. Kubernetes spellings such as `3072MiB` or `3Gi` are refused at startup by every Loki component.
 * @see https://github.com/grafana/dskit/blob/main/flagext/bytesize.go
 * @see https://github.com/c2h5oh/datasize/blob/master/datasize.go
 */
export function lokiByteSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`not a whole number of bytes: ${bytes}`);
  const units = ["B", "KB", "MB", "GB"] as const;
  let value = bytes;
  let index = 0;
  while (index < units.length - 1 && value !== 0 && value % 1024 === 0) {
    value /= 1024;
    index++;
  }
  return `${value}${units[index]}`;
}
