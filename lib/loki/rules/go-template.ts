/**
 * A parser for Go's `text/template` syntax, written to give the verdicts and the error messages of
 * Go's own parser (`text/template/parse`, Go 1.23): it checks what `template.New(name).Funcs(...).Parse(text)`
 * checks and nothing it does not (no execution, no type checks).
 *
 * Checked, as in Go: delimiters, comments and trim markers; string, raw-string, number, char, bool and
 * nil literals; pipelines and parenthesised pipelines; variables with Go's scope rules (`:=` and `=`
 * add a variable until the `{{end}}` of the enclosing control; `{{define}}`/`{{block}}` bodies start with
 * only `$`; an undefined variable is an error); functions (an unknown name is an error); `if`, `else`,
 * `else if`, `else with`, `range`, `with`, `define`, `template`, `block`, `break`, `continue`, `end`.
 *
 * Errors read like Go's: `template: <name>:<line>: <message>`.
 * @see https://pkg.go.dev/text/template
 * @see https://github.com/golang/go/tree/go1.23.0/src/text/template/parse
 */

/** The functions every Go template knows. @see https://pkg.go.dev/text/template#hdr-Functions */
export const GO_TEMPLATE_BUILTINS: readonly string[] = [
  "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery",
  "eq", "ge", "gt", "le", "lt", "ne",
];

/** A template that Go's parser refuses. */
export class GoTemplateError extends Error {
  /** Go's own message, such as `template: __alert_A:1: unclosed action`. */
  public readonly goMessage: string;
  /** The message without Go's `template: <name>:<line>: ` prefix. */
  public readonly reason: string;
  /** Line of the token Go's parser stopped at (1-based), as Go reports it. */
  public readonly line: number;
  /** Offset of that token in the parsed text (0-based). */
  public readonly position: number;

  constructor(name: string, reason: string, line: number, position: number) {
    const goMessage = `template: ${name}:${line}: ${reason}`;
    super(goMessage);
    this.name = "GoTemplateError";
    this.goMessage = goMessage;
    this.reason = reason;
    this.line = line;
    this.position = position;
  }
}

/** Options of parseGoTemplate. */
export interface GoTemplateOptions {
  /** Function names known besides Go's builtins (`Funcs`). @default none */
  readonly funcs?: Iterable<string>;
}

// ---------------------------------------------------------------------------------------------
// Lexer (text/template/parse/lex.go)

type ItemType =
  | "error" | "bool" | "char" | "charConstant" | "comment" | "complex" | "assign" | "declare" | "eof" | "field"
  | "identifier" | "leftDelim" | "leftParen" | "number" | "pipe" | "rawString" | "rightDelim" | "rightParen"
  | "space" | "string" | "text" | "variable"
  // keywords
  | "block" | "break" | "continue" | "dot" | "define" | "else" | "end" | "if" | "nil" | "range" | "template" | "with";

const KEYWORDS: Readonly<Record<string, ItemType>> = {
  ".": "dot", block: "block", break: "break", continue: "continue", define: "define", else: "else", end: "end",
  if: "if", range: "range", nil: "nil", template: "template", with: "with",
};
const KEYWORD_TYPES = new Set<ItemType>(Object.values(KEYWORDS));

interface Item {
  readonly type: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const LEFT_DELIM = "{{";
const RIGHT_DELIM = "}}";
const LEFT_COMMENT = "/*";
const RIGHT_COMMENT = "*/";
const TRIM_MARKER_LEN = 2;
const EOF = -1;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function isAlphaNumeric(c: number): boolean {
  return c === 0x5f || (c !== EOF && /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(c)));
}

function hasLeftTrimMarker(s: string): boolean {
  return s.length >= 2 && s[0] === "-" && isSpace(s.charCodeAt(1));
}

function hasRightTrimMarker(s: string): boolean {
  return s.length >= 2 && isSpace(s.charCodeAt(0)) && s[1] === "-";
}

function rightTrimLength(s: string): number {
  return s.length - s.replace(/[ \t\r\n]+$/, "").length;
}

function leftTrimLength(s: string): number {
  return s.length - s.replace(/^[ \t\r\n]+/, "").length;
}

/** Go's `%q` of a string: double-quoted with Go escapes. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Go's `%#U` of a rune: `U+0023 '#'`. */
function goRune(c: number): string {
  const hex = `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
  return c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0) ? `${hex} '${String.fromCodePoint(c)}'` : hex;
}

/** Go's String() of an item, as it appears in "unexpected ..." messages. */
function itemString(item: Item): string {
  if (item.type === "eof") return "EOF";
  if (item.type === "error") return item.val;
  if (KEYWORD_TYPES.has(item.type)) return `<${item.val}>`;
  const runes = [...item.val];
  if (runes.length > 10) return `${goQuote(runes.slice(0, 10).join(""))}...`;
  return goQuote(item.val);
}

/** Splits a template into Go's items, up to the first error or EOF. */
function lex(input: string): Item[] {
  const items: Item[] = [];
  let start = 0;
  let pos = 0;
  let parenDepth = 0;
  let done = false;
  const newlines: number[] = [];
  for (let i = input.indexOf("\n"); i >= 0; i = input.indexOf("\n", i + 1)) newlines.push(i);
  /** 1 + the number of newlines before `at`. */
  const lineAt = (at: number): number => {
    let low = 0;
    let high = newlines.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (newlines[mid] < at) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  };
  const emit = (type: ItemType): void => {
    items.push({ type, pos: start, val: input.slice(start, pos), line: lineAt(start) });
    start = pos;
  };
  const ignore = (): void => {
    start = pos;
  };
  const fail = (message: string): void => {
    items.push({ type: "error", pos: start, val: message, line: lineAt(start) });
    done = true;
  };
  let lastWidth = 0;
  const nextW = (): number => {
    if (pos >= input.length) {
      lastWidth = 0;
      return EOF;
    }
    const c = input.codePointAt(pos) as number;
    lastWidth = c > 0xffff ? 2 : 1;
    pos += lastWidth;
    return c;
  };
  const backup = (): void => {
    pos -= lastWidth;
  };
  const peek = (): number => {
    const c = nextW();
    backup();
    return c;
  };
  const accept = (valid: string): boolean => {
    const c = nextW();
    if (c !== EOF && valid.includes(String.fromCodePoint(c))) return true;
    backup();
    return false;
  };
  const acceptRun = (valid: string): void => {
    for (;;) {
      const c = nextW();
      if (c === EOF || !valid.includes(String.fromCodePoint(c))) break;
    }
    backup();
  };
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    const rest = input.slice(pos);
    if (hasRightTrimMarker(rest) && rest.startsWith(RIGHT_DELIM, TRIM_MARKER_LEN)) return { delim: true, trim: true };
    if (rest.startsWith(RIGHT_DELIM)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const c = peek();
    if (c === EOF || isSpace(c)) return true;
    if (".,|:)(".includes(String.fromCodePoint(c))) return true;
    return input.startsWith(RIGHT_DELIM, pos);
  };

  type State = (() => State) | undefined;

  const lexText = (): State => {
    const x = input.indexOf(LEFT_DELIM, pos);
    if (x >= 0) {
      if (x > pos) {
        pos = x;
        let trimLength = 0;
        if (hasLeftTrimMarker(input.slice(pos + LEFT_DELIM.length))) trimLength = rightTrimLength(input.slice(start, pos));
        pos -= trimLength;
        if (pos > start) emit("text");
        pos += trimLength;
        ignore();
      }
      return lexLeftDelim;
    }
    pos = input.length;
    if (pos > start) emit("text");
    emit("eof");
    done = true;
    return undefined;
  };

  const lexLeftDelim = (): State => {
    pos += LEFT_DELIM.length;
    const trim = hasLeftTrimMarker(input.slice(pos));
    const afterMarker = trim ? TRIM_MARKER_LEN : 0;
    if (input.startsWith(LEFT_COMMENT, pos + afterMarker)) {
      pos += afterMarker;
      ignore();
      return lexComment;
    }
    emit("leftDelim");
    pos += afterMarker;
    ignore();
    parenDepth = 0;
    return lexInsideAction;
  };

  const lexComment = (): State => {
    pos += LEFT_COMMENT.length;
    const x = input.indexOf(RIGHT_COMMENT, pos);
    if (x < 0) {
      fail("unclosed comment");
      return undefined;
    }
    pos = x + RIGHT_COMMENT.length;
    const { delim, trim } = atRightDelim();
    if (!delim) {
      fail("comment ends before closing delimiter");
      return undefined;
    }
    if (trim) pos += TRIM_MARKER_LEN;
    pos += RIGHT_DELIM.length;
    if (trim) pos += leftTrimLength(input.slice(pos));
    ignore();
    return lexText;
  };

  const lexRightDelim = (): State => {
    const { trim } = atRightDelim();
    if (trim) {
      pos += TRIM_MARKER_LEN;
      ignore();
    }
    pos += RIGHT_DELIM.length;
    emit("rightDelim");
    if (trim) {
      pos += leftTrimLength(input.slice(pos));
      ignore();
    }
    return lexText;
  };

  const lexInsideAction = (): State => {
    const { delim } = atRightDelim();
    if (delim) {
      if (parenDepth === 0) return lexRightDelim;
      fail("unclosed left paren");
      return undefined;
    }
    const c = nextW();
    if (c === EOF) {
      fail("unclosed action");
      return undefined;
    }
    if (isSpace(c)) {
      backup();
      return lexSpace;
    }
    const ch = String.fromCodePoint(c);
    switch (ch) {
      case "=":
        emit("assign");
        return lexInsideAction;
      case ":":
        if (nextW() !== 0x3d) {
          fail("expected :=");
          return undefined;
        }
        emit("declare");
        return lexInsideAction;
      case "|":
        emit("pipe");
        return lexInsideAction;
      case '"':
        return lexQuote;
      case "`":
        return lexRawQuote;
      case "$":
        return lexVariable;
      case "'":
        return lexChar;
      case "(":
        parenDepth++;
        emit("leftParen");
        return lexInsideAction;
      case ")":
        parenDepth--;
        if (parenDepth < 0) {
          fail("unexpected right paren");
          return undefined;
        }
        emit("rightParen");
        return lexInsideAction;
    }
    if (ch === "." && pos < input.length) {
      const n = input.charCodeAt(pos);
      if (n < 0x30 || n > 0x39) return lexField;
    }
    if (ch === "." || ch === "+" || ch === "-" || (c >= 0x30 && c <= 0x39)) {
      backup();
      return lexNumber;
    }
    if (isAlphaNumeric(c)) {
      backup();
      return lexIdentifier;
    }
    if (c <= 0x7f && c >= 0x20 && c !== 0x7f) {
      emit("char");
      return lexInsideAction;
    }
    fail(`unrecognized character in action: ${goRune(c)}`);
    return undefined;
  };

  const lexSpace = (): State => {
    let numSpaces = 0;
    while (isSpace(peek())) {
      nextW();
      numSpaces++;
    }
    if (hasRightTrimMarker(input.slice(pos - 1)) && input.startsWith(RIGHT_DELIM, pos - 1 + TRIM_MARKER_LEN)) {
      pos -= 1;
      lastWidth = 0;
      if (numSpaces === 1) return lexInsideAction;
    }
    emit("space");
    return lexInsideAction;
  };

  const lexIdentifier = (): State => {
    let c: number;
    do c = nextW();
    while (isAlphaNumeric(c));
    backup();
    const word = input.slice(start, pos);
    if (!atTerminator()) {
      fail(`bad character ${goRune(c)}`);
      return undefined;
    }
    const keyword = KEYWORDS[word];
    if (keyword !== undefined && Object.prototype.hasOwnProperty.call(KEYWORDS, word)) emit(keyword);
    else if (word[0] === ".") emit("field");
    else if (word === "true" || word === "false") emit("bool");
    else emit("identifier");
    return lexInsideAction;
  };

  const lexFieldOrVariable = (type: "field" | "variable"): State => {
    if (atTerminator()) {
      emit(type === "variable" ? "variable" : "dot");
      return lexInsideAction;
    }
    let c: number;
    do c = nextW();
    while (isAlphaNumeric(c));
    backup();
    if (!atTerminator()) {
      fail(`bad character ${goRune(c)}`);
      return undefined;
    }
    emit(type);
    return lexInsideAction;
  };
  const lexField = (): State => lexFieldOrVariable("field");
  const lexVariable = (): State => {
    if (atTerminator()) {
      emit("variable");
      return lexInsideAction;
    }
    return lexFieldOrVariable("variable");
  };

  const lexQuoted = (quote: number, type: ItemType, unterminated: string): State => {
    for (;;) {
      let c = nextW();
      if (c === 0x5c) {
        c = nextW();
        if (c !== EOF && c !== 0x0a) continue;
      }
      if (c === EOF || c === 0x0a) {
        fail(unterminated);
        return undefined;
      }
      if (c === quote) break;
    }
    emit(type);
    return lexInsideAction;
  };
  const lexChar = (): State => lexQuoted(0x27, "charConstant", "unterminated character constant");
  const lexQuote = (): State => lexQuoted(0x22, "string", "unterminated quoted string");
  const lexRawQuote = (): State => {
    const end = input.indexOf("`", pos);
    if (end < 0) {
      pos = input.length;
      fail("unterminated raw quoted string");
      return undefined;
    }
    pos = end + 1;
    emit("rawString");
    return lexInsideAction;
  };

  const scanNumber = (): boolean => {
    accept("+-");
    let digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.length === 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.length === 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    if (isAlphaNumeric(peek())) {
      nextW();
      return false;
    }
    return true;
  };
  const lexNumber = (): State => {
    if (!scanNumber()) {
      fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
      return undefined;
    }
    const sign = peek();
    if (sign === 0x2b || sign === 0x2d) {
      if (!scanNumber() || input[pos - 1] !== "i") {
        fail(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
        return undefined;
      }
      emit("complex");
      return lexInsideAction;
    }
    emit("number");
    return lexInsideAction;
  };

  let state: State = lexText;
  while (state !== undefined && !done) state = state();
  return items;
}

// ---------------------------------------------------------------------------------------------
// Literals (strconv, as text/template/parse uses it)

const SIMPLE_ESCAPES = "abfnrtv\\";

/** Go's strconv.UnquoteChar on `s` at `i`; returns the index after the character, or -1 on a syntax error. */
function unquoteChar(s: string, i: number, quote: string): number {
  const c = s[i];
  if (c === undefined) return -1;
  if (c === quote && (quote === "'" || quote === '"')) return -1;
  if (c !== "\\") return i + (s.codePointAt(i) as number > 0xffff ? 2 : 1);
  const e = s[i + 1];
  if (e === undefined) return -1;
  if (SIMPLE_ESCAPES.includes(e)) return i + 2;
  if (e === "'" || e === '"') return e === quote ? i + 2 : -1;
  const hexLength = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
  if (hexLength > 0) {
    const hex = s.slice(i + 2, i + 2 + hexLength);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) return -1;
    const v = parseInt(hex, 16);
    if (e !== "x" && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) return -1;
    return i + 2 + hexLength;
  }
  if (/^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) return parseInt(s.slice(i + 1, i + 4), 8) > 255 ? -1 : i + 4;
  return -1;
}

/** Whether Go's strconv.Unquote accepts a quoted string literal as the lexer found it. */
function unquotes(literal: string): boolean {
  if (literal.startsWith("`")) return true;
  const body = literal.slice(1, -1);
  for (let i = 0; i < body.length; ) {
    i = unquoteChar(body, i, '"');
    if (i < 0) return false;
  }
  return true;
}

const INT_SYNTAX = /^[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO](_?[0-7])+|0(_?[0-7])*|[1-9](_?[0-9])*)$/;
const FLOAT_SYNTAX =
  /^[+-]?((([0-9](_?[0-9])*)?\.?([0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?)|(0[xX](_?[0-9a-fA-F])*\.?([0-9a-fA-F](_?[0-9a-fA-F])*)?[pP][+-]?[0-9](_?[0-9])*))$/;

/** Go's parse.newNumber: the error it gives for a number literal, or undefined. */
function numberError(text: string, type: ItemType): string | undefined {
  if (type === "charConstant") {
    const end = unquoteChar(text, 1, "'");
    if (end < 0) return "invalid syntax";
    return text.slice(end) === "'" ? undefined : `malformed character constant: ${text}`;
  }
  if (type === "complex") {
    const match = /^([+-]?[^+-]+(?:[eEpP][+-][^+-]*)?)([+-].*)i$/.exec(text);
    return match && floatValue(match[1]) !== undefined && floatValue(match[2]) !== undefined ? undefined : "expected integer";
  }
  if (text.endsWith("i") && floatValue(text.slice(0, -1)) !== undefined) return undefined;
  if (INT_SYNTAX.test(text)) {
    const negative = text.startsWith("-");
    const magnitude = BigInt(text.replace(/^[+-]/, "").replace(/_/g, "").replace(/^0([0-7])/, "0o$1"));
    if (negative ? magnitude <= 2n ** 63n : magnitude <= 0xffffffffffffffffn) return undefined;
  }
  if (floatValue(text) !== undefined) {
    // Go: a float that looks like an integer is an integer too large for 64 bits.
    return /[.eEpP]/.test(text) ? undefined : `integer overflow: ${goQuote(text)}`;
  }
  return `illegal number syntax: ${goQuote(text)}`;
}

/** Go's strconv.ParseFloat of a literal, or undefined when it fails (syntax or range). */
function floatValue(text: string): number | undefined {
  if (!FLOAT_SYNTAX.test(text) || !/[0-9]/.test(text.replace(/^[+-]?0[xX]/, ""))) return undefined;
  const clean = text.replace(/_/g, "");
  if (/^[+-]?0[xX]/.test(clean)) {
    const [, sign, mant, exp] = /^([+-]?)0[xX]([0-9a-fA-F.]*)[pP]([+-]?\d+)$/.exec(clean) as RegExpExecArray;
    const [whole, frac = ""] = mant.split(".");
    const value = (parseInt(whole || "0", 16) + (frac ? parseInt(frac, 16) / 16 ** frac.length : 0)) * 2 ** Number(exp);
    return Number.isFinite(value) ? (sign === "-" ? -value : value) : undefined;
  }
  if (/^[+-]?\.?$|^[+-]?\.?[eE]/.test(clean)) return undefined;
  const value = Number(clean);
  return Number.isFinite(value) ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Parser (text/template/parse/parse.go)

type NodeKind = "text" | "action" | "comment" | "end" | "else" | "control" | "template" | "break" | "continue";
type ArgKind = "bool" | "dot" | "nil" | "number" | "string" | "other";

interface Pipe {
  readonly cmds: ArgKind[][];
}

class Tree {
  /** Variables in scope; Go starts every tree with `$`. */
  private vars: string[] = ["$"];
  private rangeDepth = 0;
  private actionLine = 0;

  constructor(
    private readonly shared: Parser,
    /** Name of the tree being parsed, for `{{define}}` duplicates. */
    public treeName: string,
  ) {}

  private errorf(message: string): never {
    throw new GoTemplateError(this.shared.parseName, message, this.shared.token[0].line, this.shared.token[0].pos);
  }

  private unexpected(token: Item, context: string): never {
    if (token.type === "error") {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.shared.parseName}:${this.actionLine}`;
        if (token.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  private next(): Item {
    return this.shared.next();
  }
  private peek(): Item {
    return this.shared.peek();
  }
  private backup(): void {
    this.shared.peekCount++;
  }
  private backup2(t1: Item): void {
    this.shared.token[1] = t1;
    this.shared.peekCount = 2;
  }
  private backup3(t2: Item, t1: Item): void {
    this.shared.token[1] = t1;
    this.shared.token[2] = t2;
    this.shared.peekCount = 3;
  }
  private nextNonSpace(): Item {
    let token: Item;
    do token = this.next();
    while (token.type === "space");
    return token;
  }
  private peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }
  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== expected) this.unexpected(token, context);
    return token;
  }

  /** The top level: text, actions and `{{define}}`s. Returns whether the top level is empty (Go's IsEmptyTree). */
  parse(): boolean {
    let empty = true;
    while (this.peek().type !== "eof") {
      if (this.peek().type === "leftDelim") {
        const delim = this.next();
        if (this.nextNonSpace().type === "define") {
          const defined = new Tree(this.shared, "definition");
          defined.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.kind === "end" || n.kind === "else") this.errorf(`unexpected ${nodeString(n.kind)}`);
      empty &&= n.empty;
    }
    return empty;
  }

  /** Registers a finished tree as Go's `Tree.add` does: two non-empty trees may not share a name. */
  add(empty: boolean): void {
    const existing = this.shared.trees.get(this.treeName);
    if (existing === undefined || existing) {
      this.shared.trees.set(this.treeName, empty);
      return;
    }
    if (!empty) this.errorf(`template: multiple definition of template ${goQuote(this.treeName)}`);
  }

  private parseDefinition(): void {
    const context = "define clause";
    const token = this.nextNonSpace();
    if (token.type !== "string" && token.type !== "rawString") this.unexpected(token, context);
    if (!unquotes(token.val)) this.errorf("invalid syntax");
    this.treeName = literalValue(token.val);
    this.expect("rightDelim", context);
    const { list, end } = this.itemList();
    if (end.kind !== "end") this.errorf(`unexpected ${nodeString(end.kind)} in ${context}`);
    this.add(list.every((n) => n.empty));
  }

  private itemList(): { list: { kind: NodeKind; empty: boolean }[]; end: { kind: NodeKind } } {
    const list: { kind: NodeKind; empty: boolean }[] = [];
    while (this.peekNonSpace().type !== "eof") {
      const n = this.textOrAction();
      if (n.kind === "end" || n.kind === "else") return { list, end: n };
      list.push(n);
    }
    this.errorf("unexpected EOF");
  }

  textOrAction(): { kind: NodeKind; empty: boolean } {
    const token = this.nextNonSpace();
    switch (token.type) {
      case "text":
        return { kind: "text", empty: token.val.trim() === "" };
      case "leftDelim": {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case "comment":
        return { kind: "comment", empty: true };
      default:
        this.unexpected(token, "input");
    }
  }

  private action(): { kind: NodeKind; empty: boolean } {
    const token = this.nextNonSpace();
    switch (token.type) {
      case "block":
        return this.blockControl();
      case "break":
      case "continue": {
        const next = this.nextNonSpace();
        if (next.type !== "rightDelim") this.unexpected(next, `{{${token.type}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${token.type}}} outside {{range}}`);
        return { kind: token.type, empty: false };
      }
      case "else":
        return this.elseControl();
      case "end":
        this.expect("rightDelim", "end");
        return { kind: "end", empty: false };
      case "if":
      case "range":
      case "with":
        this.parseControl(token.type);
        return { kind: "control", empty: false };
      case "template":
        return this.templateControl();
    }
    this.backup();
    this.pipeline("command", "rightDelim");
    return { kind: "action", empty: false };
  }

  private elseControl(): { kind: NodeKind; empty: boolean } {
    const peek = this.peekNonSpace();
    if (peek.type === "if" || peek.type === "with") return { kind: "else", empty: false };
    this.expect("rightDelim", "else");
    return { kind: "else", empty: false };
  }

  private parseControl(context: "if" | "range" | "with"): void {
    const depth = this.vars.length;
    try {
      this.pipeline(context, "rightDelim");
      if (context === "range") this.rangeDepth++;
      let { end } = this.itemList();
      if (context === "range") this.rangeDepth--;
      if (end.kind === "else") {
        if ((context === "if" && this.peek().type === "if") || (context === "with" && this.peek().type === "with")) {
          this.next();
          this.parseControl(context);
        } else {
          ({ end } = this.itemList());
          if (end.kind !== "end") this.errorf(`expected end; found ${nodeString(end.kind)}`);
        }
      }
    } finally {
      this.vars.length = depth;
    }
  }

  private blockControl(): { kind: NodeKind; empty: boolean } {
    const context = "block clause";
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    this.pipeline(context, "rightDelim");
    const block = new Tree(this.shared, name);
    const { list, end } = block.itemList();
    if (end.kind !== "end") this.errorf(`unexpected ${nodeString(end.kind)} in ${context}`);
    block.add(list.every((n) => n.empty));
    return { kind: "template", empty: false };
  }

  private templateControl(): { kind: NodeKind; empty: boolean } {
    const context = "template clause";
    const token = this.nextNonSpace();
    this.templateName(token, context);
    if (this.nextNonSpace().type !== "rightDelim") {
      this.backup();
      this.pipeline(context, "rightDelim");
    }
    return { kind: "template", empty: false };
  }

  private templateName(token: Item, context: string): string {
    if (token.type !== "string" && token.type !== "rawString") this.unexpected(token, context);
    if (!unquotes(token.val)) this.errorf("invalid syntax");
    return literalValue(token.val);
  }

  private pipeline(context: string, end: ItemType): Pipe {
    const pipe: Pipe = { cmds: [] };
    let declarations = 0;
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== "variable") break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.type === "assign" || next.type === "declare") {
        this.nextNonSpace();
        this.vars.push(v.val);
        declarations++;
      } else if (next.type === "char" && next.val === ",") {
        this.nextNonSpace();
        this.vars.push(v.val);
        declarations++;
        if (context === "range" && declarations < 2) {
          const after = this.peekNonSpace().type;
          if (after === "variable" || after === "rightDelim" || after === "rightParen") continue;
          this.errorf("range can only initialize variables");
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.type === "space") {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
        pipe.cmds.slice(1).forEach((cmd, i) => {
          if (cmd[0] !== "other") this.errorf(`non executable command in pipeline stage ${i + 2}`);
        });
        return pipe;
      }
      switch (token.type) {
        case "bool":
        case "charConstant":
        case "complex":
        case "dot":
        case "field":
        case "identifier":
        case "number":
        case "nil":
        case "rawString":
        case "string":
        case "variable":
        case "leftParen":
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private command(): ArgKind[] {
    const args: ArgKind[] = [];
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) args.push(operand);
      const token = this.next();
      if (token.type === "space") continue;
      if (token.type === "rightDelim" || token.type === "rightParen") this.backup();
      else if (token.type !== "pipe") this.unexpected(token, "operand");
      break;
    }
    if (args.length === 0) this.errorf("empty command");
    return args;
  }

  private operand(): ArgKind | undefined {
    const term = this.term();
    if (term === undefined) return undefined;
    if (this.peek().type === "field") {
      while (this.peek().type === "field") this.next();
      if (term.kind !== "other") this.errorf(`unexpected . after term ${goQuote(term.text)}`);
    }
    return term.kind;
  }

  private term(): { kind: ArgKind; text: string } | undefined {
    const token = this.nextNonSpace();
    switch (token.type) {
      case "identifier":
        if (!this.shared.funcs.has(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { kind: "other", text: token.val };
      case "dot":
        return { kind: "dot", text: "." };
      case "nil":
        return { kind: "nil", text: "nil" };
      case "variable":
        if (!this.vars.includes(token.val)) this.errorf(`undefined variable ${goQuote(token.val)}`);
        return { kind: "other", text: token.val };
      case "field":
        return { kind: "other", text: token.val };
      case "bool":
        return { kind: "bool", text: token.val };
      case "charConstant":
      case "complex":
      case "number": {
        const error = numberError(token.val, token.type);
        if (error !== undefined) this.errorf(error);
        return { kind: "number", text: token.val };
      }
      case "leftParen":
        this.pipeline("parenthesized pipeline", "rightParen");
        return { kind: "other", text: "(...)" };
      case "string":
      case "rawString":
        if (!unquotes(token.val)) this.errorf("invalid syntax");
        return { kind: "string", text: literalValue(token.val) };
    }
    this.backup();
    return undefined;
  }
}

/** Go's String() of an end or else node. */
function nodeString(kind: NodeKind): string {
  return kind === "end" ? "{{end}}" : kind === "else" ? "{{else}}" : kind;
}

/** The value of a string literal that unquotes. */
function literalValue(literal: string): string {
  if (literal.startsWith("`")) return literal.slice(1, -1).replace(/\r/g, "");
  return literal.slice(1, -1).replace(/\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{3}|.)/g, (_, esc: string) => {
    const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
    if (esc.length === 1) return simple[esc] ?? esc;
    if (/^[0-7]{3}$/.test(esc)) return String.fromCharCode(parseInt(esc, 8));
    return String.fromCodePoint(parseInt(esc.slice(1), 16));
  });
}

/** State shared by the trees of one Parse call: the token look-ahead, function names and defined trees. */
class Parser {
  readonly token: Item[] = [];
  peekCount = 0;
  /** Tree name → whether that tree is empty. */
  readonly trees = new Map<string, boolean>();
  private index = 0;

  constructor(
    private readonly items: readonly Item[],
    readonly parseName: string,
    readonly funcs: ReadonlySet<string>,
  ) {}

  private lexNext(): Item {
    const item = this.items[Math.min(this.index, this.items.length - 1)];
    this.index++;
    return item;
  }

  next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lexNext();
    return this.token[this.peekCount];
  }

  peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1];
    this.peekCount = 1;
    this.token[0] = this.lexNext();
    return this.token[0];
  }
}

/**
 * Parses `text` as Go's `template.New(name).Funcs(funcs).Parse(text)` does.
 * @throws GoTemplateError with Go's message when Go's parser refuses the text
 */
export function parseGoTemplate(name: string, text: string, options: GoTemplateOptions = {}): void {
  const funcs = new Set([...GO_TEMPLATE_BUILTINS, ...(options.funcs ?? [])]);
  const parser = new Parser(lex(text), name, funcs);
  const tree = new Tree(parser, name);
  tree.add(tree.parse());
}
