/**
 * Evaluates the Terraform string templates cdktf writes into attributes, such as a policy
 * `"${jsonencode({...})}"` or an older `"{\"Resource\":[\"${aws_s3_bucket.b.arn}\"]}"`, the way
 * Terraform would once every reference is known.
 *
 * Only the part of the language the stack writes is understood: string templates with `${...}`,
 * tuples, objects (keys as names, quoted templates or parenthesized expressions), numbers, `true`,
 * `false`, `null`, references (`a.b[0].c`) and the functions `jsonencode`, `zipmap`, `join`, `replace`, `tostring` (of a
 * string), `base64encode`, `base64decode`, `sensitive`, `nonsensitive` and `yamldecode` (read with the `yaml` library, which agrees with Terraform's on the plain YAML the stack writes).
 * Anything else (operators, conditionals, `for`, splats, `%{}` directives, other functions) throws,
 * so a form the evaluator does not know fails a test instead of being guessed at.
 * @see https://developer.hashicorp.com/terraform/language/expressions
 * @see https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md
 */
import { parse as parseYaml } from "yaml";

/** A Terraform value, as JSON holds it. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/** Gives the value of one reference, such as `aws_s3_bucket.loki_chunks.arn`. */
export type ReferenceResolver = (traversal: string) => Value;

/** One part of a template: literal text, or the value of an interpolation. */
type Part = { readonly literal: string } | { readonly value: Value };

const isObject = (value: Value): value is { [key: string]: Value } => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Terraform's `jsonencode`: object keys sorted, no whitespace. (Terraform also writes `<`, `>` and `&`
 * as `\u003c`-style escapes; no document here holds them, and JSON parsers read both forms alike.)
 */
export function jsonencode(value: Value): string {
  const sorted = (v: Value): Value => {
    if (Array.isArray(v)) return v.map(sorted);
    if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
    return v;
  };
  return JSON.stringify(sorted(value));
}

/** Terraform's `zipmap`: a map from a list of keys and a list of values of the same length. */
function zipmap(keys: Value, values: Value): Value {
  if (!Array.isArray(keys) || !Array.isArray(values) || keys.length !== values.length) {
    throw new Error("zipmap needs two lists of the same length");
  }
  const map: { [key: string]: Value } = {};
  keys.forEach((key, i) => {
    if (typeof key !== "string") throw new Error(`zipmap keys must be strings (got ${JSON.stringify(key)})`);
    map[key] = values[i];
  });
  return map;
}

/** Terraform's `join`: the strings of a list with a separator between them. */
function join(separator: Value, list: Value): Value {
  if (typeof separator !== "string" || !Array.isArray(list) || list.some((item) => typeof item !== "string")) {
    throw new Error("join needs a separator and a list of strings");
  }
  return list.join(separator);
}

/** Terraform's `replace` with a plain substring (a `/regex/` substring is not supported). */
function replace(text: Value, substring: Value, replacement: Value): Value {
  if (typeof text !== "string" || typeof substring !== "string" || typeof replacement !== "string") {
    throw new Error("replace needs three strings");
  }
  if (substring.length > 1 && substring.startsWith("/") && substring.endsWith("/")) throw new Error("replace with a regular expression is not supported");
  return text.split(substring).join(replacement);
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  jsonencode: (...args) => (args.length === 1 ? jsonencode(args[0]) : fail(`jsonencode takes 1 argument (got ${args.length})`)),
  zipmap: (...args) => (args.length === 2 ? zipmap(args[0], args[1]) : fail(`zipmap takes 2 arguments (got ${args.length})`)),
  join: (...args) => (args.length === 2 ? join(args[0], args[1]) : fail(`join takes 2 arguments here (got ${args.length})`)),
  replace: (...args) => (args.length === 3 ? replace(args[0], args[1], args[2]) : fail(`replace takes 3 arguments (got ${args.length})`)),
  tostring: (...args) => (args.length === 1 && typeof args[0] === "string" ? args[0] : fail("tostring takes 1 string here")),
  yamldecode: (...args) => (args.length === 1 && typeof args[0] === "string" ? (parseYaml(args[0]) as Value) : fail("yamldecode takes 1 string")),
  base64encode: (...args) => (args.length === 1 && typeof args[0] === "string" ? Buffer.from(args[0], "utf8").toString("base64") : fail("base64encode takes 1 string")),
  base64decode: (...args) => (args.length === 1 && typeof args[0] === "string" ? Buffer.from(args[0], "base64").toString("utf8") : fail("base64decode takes 1 string")),
  // Sensitivity is a mark on the value in Terraform; the value itself is unchanged.
  sensitive: (...args) => (args.length === 1 ? args[0] : fail("sensitive takes 1 argument")),
  nonsensitive: (...args) => (args.length === 1 ? args[0] : fail("nonsensitive takes 1 argument")),
};

function fail(message: string): never {
  throw new Error(message);
}

const NAME = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

/** A recursive-descent parser that evaluates as it reads. */
class Evaluator {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly reference: ReferenceResolver,
  ) {}

  /** The whole text as a template (a Terraform JSON string value). */
  public template(): Value {
    const value = this.templateBody(false);
    if (this.pos !== this.text.length) this.error("unexpected text after the template");
    return value;
  }

  private error(message: string): never {
    throw new Error(`${message} at offset ${this.pos} of ${JSON.stringify(this.text.length > 200 ? `${this.text.slice(0, 200)}...` : this.text)}`);
  }

  private peek(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  private expect(s: string): void {
    this.skipSpace();
    if (!this.peek(s)) this.error(`expected ${JSON.stringify(s)}`);
    this.pos += s.length;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text);
    if (!found) return undefined;
    this.pos += found[0].length;
    return found[0];
  }

  /**
   * Template text up to the end (top level) or the closing quote (a quoted string inside an expression).
   * Quoted strings also take backslash escapes; `$${` and `%%{` stand for literal `${` and `%{` in both.
   */
  private templateBody(quoted: boolean): Value {
    const parts: Part[] = [];
    let literal = "";
    while (this.pos < this.text.length && !(quoted && this.peek('"'))) {
      if (this.peek("$${") || this.peek("%%{")) {
        literal += this.text.slice(this.pos + 1, this.pos + 3);
        this.pos += 3;
      } else if (this.peek("${")) {
        if (literal) parts.push({ literal });
        literal = "";
        this.pos += 2;
        if (this.peek("~")) this.error("strip markers are not supported");
        parts.push({ value: this.expression() });
        this.expect("}");
      } else if (this.peek("%{")) {
        this.error("template directives are not supported");
      } else if (quoted && this.peek("\\")) {
        literal += this.escape();
      } else if (quoted && this.peek("\n")) {
        this.error("a quoted string cannot span lines");
      } else {
        literal += this.text[this.pos++];
      }
    }
    if (literal) parts.push({ literal });
    // A template that is one interpolation and nothing else yields that value unconverted.
    if (parts.length === 1 && "value" in parts[0]) return parts[0].value;
    return parts
      .map((part) => {
        if ("literal" in part) return part.literal;
        if (typeof part.value === "string" || typeof part.value === "number" || typeof part.value === "boolean") return String(part.value);
        return this.error(`cannot interpolate ${JSON.stringify(part.value)} into a string`);
      })
      .join("");
  }

  private escape(): string {
    const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
    const c = this.text[this.pos + 1];
    if (c in escapes) {
      this.pos += 2;
      return escapes[c];
    }
    const unicode = /\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})/y;
    const hex = this.match(unicode);
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex.slice(2), 16));
    return this.error("invalid escape");
  }

  private expression(): Value {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '"') {
      this.pos++;
      const value = this.templateBody(true);
      this.expect('"');
      return value;
    }
    if (c === "[") return this.tuple();
    if (c === "{") return this.object();
    if (c === "(") {
      this.pos++;
      const value = this.expression();
      this.expect(")");
      return value;
    }
    const number = this.match(NUMBER);
    if (number !== undefined) return Number(number);
    const name = this.match(NAME);
    if (name === undefined) return this.error("expected an expression");
    if (name === "true" || name === "false") return name === "true";
    if (name === "null") return null;
    if (this.peek("(")) return this.call(name);
    return this.reference(this.traversal(name));
  }

  private tuple(): Value[] {
    this.expect("[");
    const items: Value[] = [];
    for (;;) {
      this.skipSpace();
      if (this.peek("]")) break;
      items.push(this.expression());
      this.skipSpace();
      if (this.peek(",")) this.pos++;
      else if (!this.peek("]")) this.error('expected "," or "]"');
    }
    this.pos++;
    return items;
  }

  private object(): { [key: string]: Value } {
    this.expect("{");
    const object: { [key: string]: Value } = {};
    for (;;) {
      this.skipSpace();
      if (this.peek("}")) break;
      const key = this.objectKey();
      if (Object.prototype.hasOwnProperty.call(object, key)) this.error(`duplicate object key ${JSON.stringify(key)}`);
      this.skipSpace();
      if (!this.peek("=") && !this.peek(":")) this.error('expected "=" or ":"');
      this.pos++;
      object[key] = this.expression();
      const end = this.pos;
      this.skipSpace();
      // Items are separated by commas or by newlines.
      if (this.peek(",")) this.pos++;
      else if (!this.peek("}") && !this.text.slice(end, this.pos).includes("\n")) this.error('expected "," or "}"');
    }
    this.pos++;
    return object;
  }

  /** A key: a bare name is literal text; a quoted template or a parenthesized expression is evaluated. */
  private objectKey(): string {
    let key: Value;
    if (this.peek('"') || this.peek("(")) key = this.expression();
    else key = this.match(NAME) ?? this.error("expected an object key");
    if (typeof key !== "string") return this.error(`object keys must be strings (got ${JSON.stringify(key)})`);
    return key;
  }

  private call(name: string): Value {
    const fn = FUNCTIONS[name] ?? this.error(`unsupported function ${name}()`);
    this.expect("(");
    const args: Value[] = [];
    for (;;) {
      this.skipSpace();
      if (this.peek(")")) break;
      args.push(this.expression());
      this.skipSpace();
      if (this.peek("...")) this.error("expanding arguments is not supported");
      if (this.peek(",")) this.pos++;
      else if (!this.peek(")")) this.error('expected "," or ")"');
    }
    this.pos++;
    return fn(...args);
  }

  /** `name(.attr | [index] | ["key"])*`, rebuilt as text. */
  private traversal(root: string): string {
    let text = root;
    for (;;) {
      if (this.peek(".")) {
        this.pos++;
        text += `.${this.match(NAME) ?? this.match(/[0-9]+/y) ?? this.error("expected an attribute name")}`;
      } else if (this.peek("[")) {
        this.pos++;
        this.skipSpace();
        if (this.peek("*")) this.error("splat expressions are not supported");
        const index = this.expression();
        if (typeof index !== "number" && typeof index !== "string") this.error("expected an index");
        this.expect("]");
        text += `[${JSON.stringify(index)}]`;
      } else {
        return text;
      }
    }
  }
}

/** Evaluates a Terraform string template (an attribute value as cdktf writes it into JSON). */
export function evaluateTemplate(template: string, reference: ReferenceResolver): Value {
  return new Evaluator(template, reference).template();
}
