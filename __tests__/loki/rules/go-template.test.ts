import { GO_TEMPLATE_BUILTINS, GoTemplateError, parseGoTemplate } from "../../../lib/loki/rules/go-template";

const FUNCS = ["humanize", "printf2", "query", "first", "value"];

/** Go's error message for a template, or undefined when it parses. */
function goError(text: string, funcs: readonly string[] = FUNCS): string | undefined {
  try {
    parseGoTemplate("t", text, { funcs });
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(GoTemplateError);
    return (err as GoTemplateError).goMessage;
  }
}

describe("parseGoTemplate", () => {
  test.each([
    ["plain text", "Argo CD logged more than 9 error lines"],
    ["an empty template", ""],
    ["text with single braces", "{ not an action } }}"],
    ["a field chain", "{{ .Labels.namespace }}"],
    ["dot and $", "{{ . }}{{ $ }}"],
    ["a declared variable used later", "{{ $x := .Value }}{{ $x }}"],
    ["an assignment to a declared variable", "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}"],
    ["a variable with fields", "{{ $x := .Labels }}{{ $x.job }}"],
    ["a pipeline into a function", "{{ .Value | humanize }}"],
    ["a function with arguments", '{{ printf "%.2f" .Value }}'],
    ["a parenthesised pipeline", "{{ printf \"%s\" (.Value | humanize) }}"],
    ["comparison builtins", "{{ if and (gt .Value 1.5) (le .Value 10) (ne .Value 0) }}x{{ end }}"],
    ["if / else if / else", "{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}"],
    ["with / else with", "{{ with .A }}a{{ else with .B }}b{{ else }}c{{ end }}"],
    ["range with two variables, break and continue", "{{ range $k, $v := .Labels }}{{ if $k }}{{ continue }}{{ end }}{{ $v }}{{ break }}{{ else }}none{{ end }}"],
    ["define, template and block", '{{ define "x" }}{{ . }}{{ end }}{{ template "x" . }}{{ template `x` }}{{ block "y" . }}{{ . }}{{ end }}'],
    ["a comment", "a {{/* a comment */}} b"],
    ["trim markers on both sides", "a  {{- .Value -}}  b {{- /* trimmed comment */ -}} c"],
    ["a minus sign that is not a trim marker", "{{-3}}"],
    ["numbers in every base", "{{ 1 }}{{ -2 }}{{ +3 }}{{ 1.5 }}{{ 1e3 }}{{ 0x1F }}{{ 0o17 }}{{ 017 }}{{ 0b101 }}{{ 1_000 }}{{ 0x1p-2 }}{{ 1i }}"],
    ["char constants", "{{ 'a' }}{{ '\\n' }}{{ '\\x41' }}{{ '\\u00e9' }}{{ '\\'' }}"],
    ["strings and raw strings", '{{ "a\\tb\\"c" }}{{ `raw "quoted" \\n` }}'],
    ["bool and nil literals", "{{ true }}{{ false }}{{ nil }}"],
    ["an action over several lines", "{{ printf\n  \"%s\"\n  .Value }}"],
    ["a variable declared in if and used in its else", "{{ if $x := .A }}{{ $x }}{{ else }}{{ $x }}{{ end }}"],
  ])("given %s, then it parses", (_, text) => {
    expect(goError(text)).toBeUndefined();
  });

  test.each([
    ["an unclosed action", "{{ .Value", "template: t:1: unclosed action"],
    ["an action left open over a line", "{{ .Value\n", "template: t:2: unclosed action started at t:1"],
    ["an unknown function", "{{ humanise .Value }}", 'template: t:1: function "humanise" not defined'],
    ["an undefined variable", "{{ $nope }}", 'template: t:1: undefined variable "$nope"'],
    ["a variable used after its if ended", "{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}", 'template: t:1: undefined variable "$x"'],
    ["a range variable used after the range", "{{ range $i := .A }}{{ end }}{{ $i }}", 'template: t:1: undefined variable "$i"'],
    ["an outer variable inside define", '{{ $x := 1 }}{{ define "d" }}{{ $x }}{{ end }}', 'template: t:1: undefined variable "$x"'],
    ["an outer variable inside block", '{{ $x := 1 }}{{ block "b" . }}{{ $x }}{{ end }}', 'template: t:1: undefined variable "$x"'],
    ["an end without a block", "text {{ end }}", "template: t:1: unexpected {{end}}"],
    ["an else without a block", "{{ else }}", "template: t:1: unexpected {{else}}"],
    ["an if without end", "{{ if .A }}x", "template: t:1: unexpected EOF"],
    ["two else branches", "{{ if .A }}{{ else }}{{ else }}{{ end }}", "template: t:1: expected end; found {{else}}"],
    ["else with inside if", "{{ if .A }}{{ else with .B }}{{ end }}", "template: t:1: unexpected <with> in input"],
    ["break outside range", "{{ break }}", "template: t:1: {{break}} outside {{range}}"],
    ["continue in a range's else", "{{ range .A }}{{ else }}{{ continue }}{{ end }}", "template: t:1: {{continue}} outside {{range}}"],
    ["an empty action", "{{ }}", "template: t:1: missing value for command"],
    ["an if without a condition", "{{ if }}{{ end }}", "template: t:1: missing value for if"],
    ["a literal after a pipe", "{{ .A | 2 }}", "template: t:1: non executable command in pipeline stage 2"],
    ["a field on a literal", '{{ "x".y }}', 'template: t:1: unexpected . after term "x"'],
    ["an unclosed left paren", "{{ (1 }}", "template: t:1: unclosed left paren"],
    ["an unexpected right paren", "{{ 1) }}", "template: t:1: unexpected right paren"],
    ["an unclosed comment", "{{/* x", "template: t:1: unclosed comment"],
    ["a comment with more after it", "{{/* x */ .A }}", "template: t:1: comment ends before closing delimiter"],
    ["a comment not right after the delimiter", "{{ /* x */ }}", 'template: t:1: unexpected "/" in command'],
    ["an unterminated string", '{{ "abc }}', "template: t:1: unterminated quoted string"],
    ["an unterminated raw string", "{{ `abc }}", "template: t:1: unterminated raw quoted string"],
    ["an unterminated char", "{{ 'a }}", "template: t:1: unterminated character constant"],
    ["a bad escape in a string", '{{ "a\\qb" }}', "template: t:1: invalid syntax"],
    ["a char constant of two characters", "{{ 'ab' }}", "template: t:1: malformed character constant: 'ab'"],
    ["an empty char constant", "{{ '' }}", "template: t:1: invalid syntax"],
    ["a bad number", "{{ 3k }}", 'template: t:1: bad number syntax: "3k"'],
    ["a number too large for a float", "{{ 1e400 }}", 'template: t:1: illegal number syntax: "1e400"'],
    ["an integer too large for 64 bits", "{{ 99999999999999999999 }}", 'template: t:1: integer overflow: "99999999999999999999"'],
    ["a bad character in an identifier", "{{ foo# }}", "template: t:1: bad character U+0023 '#'"],
    ["a control character in an action", "{{ \u0001 }}", "template: t:1: unrecognized character in action: U+0001"],
    ["a lone colon", "{{ $ : 1 }}", "template: t:1: expected :="],
    ["a lone colon after an undefined variable, reported as the variable (Go reads the variable first)", "{{ $x : 1 }}", 'template: t:1: undefined variable "$x"'],
    ["too many declarations", "{{ $a, $b := 1 }}", "template: t:1: too many declarations in command"],
    ["range initialising a non-variable", "{{ range $a, 1 }}{{ end }}", "template: t:1: range can only initialize variables"],
    ["a template name that is not a string", "{{ template x }}", 'template: t:1: unexpected "x" in template clause'],
    ["a define without a name", "{{ define }}{{ end }}", 'template: t:1: unexpected "}}" in define clause'],
    ["a define closed by else", '{{ define "d" }}{{ else }}', "template: t:1: unexpected {{else}} in define clause"],
    ["a define of the template being parsed", '{{ define "t" }}a{{ end }}b', 'template: t:1: template: multiple definition of template "t"'],
    ["a mistake on line 3", "one\ntwo\n{{ nope }}", 'template: t:3: function "nope" not defined'],
  ])("given %s, then it fails as Go does", (_, text, message) => {
    expect(goError(text)).toBe(message);
  });

  test("given an empty define of the template's own name, then it parses, as in Go", () => {
    expect(goError('{{ define "t" }} {{ end }}b')).toBeUndefined();
  });

  test("given a function that only the caller defines, then it is known with it and unknown without it", () => {
    expect(goError("{{ humanize 1 }}", ["humanize"])).toBeUndefined();
    expect(goError("{{ humanize 1 }}", [])).toBe('template: t:1: function "humanize" not defined');
  });

  test("given every Go builtin, then each is a known function", () => {
    for (const name of GO_TEMPLATE_BUILTINS) expect(goError(`{{ ${name} }}`, [])).toBeUndefined();
    expect(GO_TEMPLATE_BUILTINS).toHaveLength(19);
  });

  test("given an error, then it carries Go's line, the reason and the offset of the last token Go read (here the closing }})", () => {
    try {
      parseGoTemplate("t", "ok\n{{ $nope }}");
      throw new Error("expected an error");
    } catch (err) {
      expect(err).toMatchObject({ line: 2, reason: 'undefined variable "$nope"', position: 12 });
    }
  });
});
