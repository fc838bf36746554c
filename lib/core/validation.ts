import { Token } from "cdktf";

/**
 * The one error type for a setting that cannot work.
 *
 * Its message always has the same shape, so a failed `cdktf synth` reads as one line:
 * `<setting> must be <expected form> (got <value>)`, optionally followed by why.
 * The app command (`scripts/app.cjs`) prints it without a stack trace.
 */
export class ConfigError extends Error {
  public readonly setting: string;

  constructor(setting: string, value: unknown, expected: string, why?: string) {
    super(`${setting} must be ${expected} (got ${show(value)})${why ? `: ${why}` : ""}`);
    this.name = "ConfigError";
    this.setting = setting;
  }

  /**
   * The same error for a setting nested under `prefix`, such as a tenant's rule groups checked by the stack-wide
   * checks: `ruleGroups[0].name must be ...` becomes `tenants.team-a.ruleGroups[0].name must be ...`.
   */
  under(prefix: string): ConfigError {
    const error = new ConfigError(`${prefix}${this.setting}`, undefined, "");
    error.message = `${prefix}${this.message}`;
    return error;
  }

  /** Runs `check`; a ConfigError it throws is thrown again with its setting under `prefix`. */
  static nestUnder<T>(prefix: string, check: () => T): T {
    try {
      return check();
    } catch (error) {
      throw error instanceof ConfigError ? error.under(prefix) : error;
    }
  }
}

/** Renders a bad value for an error message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "nothing";
  return JSON.stringify(value) ?? String(value);
}

/** True when a value is a cdktf token that only Terraform can resolve; such values are not validated. */
export function isToken(value: unknown): boolean {
  return typeof value === "string" && Token.isUnresolved(value);
}

/** Throws a ConfigError unless `ok` holds. Tokens are never checked. */
export function check(ok: boolean, setting: string, value: unknown, expected: string, why?: string): void {
  if (!ok && !isToken(value)) throw new ConfigError(setting, value, expected, why);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes DNS-1123 label: namespaces, Helm release names, Service names. */
export function checkDnsLabel(setting: string, value: string, maxLength = 63): void {
  check(
    typeof value === "string" && value.length <= maxLength && DNS1123_LABEL.test(value),
    setting,
    value,
    `a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most ${maxLength} characters)`,
  );
}

/** A Kubernetes DNS-1123 subdomain: ServiceAccount names and most object names. */
export function checkDnsSubdomain(setting: string, value: string): void {
  check(
    typeof value === "string" && value.length <= 253 && DNS1123_SUBDOMAIN.test(value),
    setting,
    value,
    'a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)',
  );
}

const RESERVED_BUCKET_NAMES = new Set(["chunks", "ruler", "admin"]);

/**
 * S3 general-purpose bucket naming rules, plus the Loki chart's placeholder names.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function checkBucketName(setting: string, value: string): void {
  if (isToken(value)) return;
  const expected =
    'an S3 bucket name: 3-63 characters of lowercase letters, digits, "." and "-", starting and ending with a letter or digit';
  check(typeof value === "string" && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value), setting, value, expected);
  check(!/\.\.|\.-|-\./.test(value), setting, value, expected, 'no ".." and no "." next to "-"');
  check(!/^\d{1,3}(\.\d{1,3}){3}$/.test(value), setting, value, expected, "not formatted as an IP address");
  check(
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(value) && !/(-s3alias|--ol-s3|--x-s3|\.mrap)$/.test(value),
    setting,
    value,
    expected,
    "AWS reserves that prefix or suffix",
  );
  check(
    !RESERVED_BUCKET_NAMES.has(value),
    setting,
    value,
    "a bucket name of your own",
    `"${value}" is the Loki chart's placeholder; writes could land in a stranger's bucket of that name`,
  );
}

/** An AWS region code such as `ap-northeast-1` or `us-gov-west-1`. */
export function checkRegion(setting: string, value: string): void {
  check(
    typeof value === "string" && /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value),
    setting,
    value,
    'an AWS region code such as "ap-northeast-1"',
  );
}

/** A whole number within bounds. */
export function checkInteger(setting: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  check(
    Number.isInteger(value) && value >= min && value <= max,
    setting,
    value,
    max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`,
  );
}

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/**
 * Parses a Prometheus/Loki duration such as `5m`, `1h30m` or `7d` into milliseconds.
 * Returns undefined when the text is not a duration.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#duration
 */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== "string" || !/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * DURATION_UNITS_MS[unit];
  return total;
}

/** A Prometheus/Loki duration such as `1m` or `1h30m`; returns its length in milliseconds. */
export function checkDuration(setting: string, value: string, allowZero = false): number {
  const ms = parseDuration(value);
  check(
    ms !== undefined && (allowZero || ms > 0),
    setting,
    value,
    'a duration such as "30s", "5m" or "1h30m" (units ms, s, m, h, d, w, y)',
  );
  return ms ?? 0;
}

/** A Kubernetes resource quantity such as `10Gi` or `500m`. */
export function checkQuantity(setting: string, value: string): void {
  check(
    typeof value === "string" && /^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.test(value),
    setting,
    value,
    'a Kubernetes quantity such as "10Gi", "512Mi" or "250m"',
  );
}

/** An http(s) URL. */
export function checkHttpUrl(setting: string, value: string): void {
  let ok = false;
  try {
    const url = new URL(value);
    ok = (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
  } catch {
    ok = false;
  }
  check(ok, setting, value, 'an http(s) URL such as "http://alertmanager.monitoring.svc.cluster.local:9093"');
}

/**
 * A container image reference pinned to a tag or digest; `latest` and untagged images float.
 */
export function checkPinnedImage(setting: string, value: string): void {
  const match = /^([a-z0-9.-]+(?::\d+)?\/)?[a-z0-9._/-]+(?::([\w][\w.-]{0,127}))?(@sha256:[a-f0-9]{64})?$/.exec(value ?? "");
  const expected = 'an image pinned to a version tag or digest, such as "cr.fluentbit.io/fluent/fluent-bit:4.0.1"';
  check(match !== null, setting, value, expected);
  const tag = match?.[2];
  const digest = match?.[3];
  check(digest !== undefined || (tag !== undefined && tag !== "latest"), setting, value, expected, "an untagged or latest image changes under you");
}

/** The ARN of a KMS key (not an alias). */
export function checkKmsKeyArn(setting: string, value: string): void {
  check(
    typeof value === "string" &&
      /^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/.test(
        value,
      ),
    setting,
    value,
    'a KMS key ARN such as "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
  );
}
