/** Where a lezer grammar gave up on an expression. */
export interface ExpressionSyntaxError {
  /** Offset of the first character the grammar could not accept (0-based). */
  readonly position: number;
  /** Line of that character (1-based). */
  readonly line: number;
  /** Column of that character (1-based). */
  readonly column: number;
  /** The text from that character on, shortened; empty at the end of the expression. */
  readonly near: string;
}

/** The part of a lezer syntax tree this module walks. */
interface LezerTree {
  iterate(spec: { enter(node: { readonly type: { readonly isError: boolean }; readonly from: number }): boolean | void }): void;
}

const NEAR_LENGTH = 24;

/**
 * The first syntax error in a tree that a lezer grammar (Grafana's LogQL, Prometheus' PromQL) parsed from `text`.
 * Those grammars never throw: they mark what they cannot parse with error nodes, and the first one is reported.
 * @see https://lezer.codemirror.net/docs/guide/#error-recovery
 * @returns undefined when the text parses
 */
export function firstSyntaxError(tree: LezerTree, text: string): ExpressionSyntaxError | undefined {
  let position: number | undefined;
  tree.iterate({
    enter(node) {
      if (position !== undefined) return false;
      if (node.type.isError) {
        position = node.from;
        return false;
      }
      return true;
    },
  });
  if (position === undefined) return undefined;
  const before = text.slice(0, position).split("\n");
  return {
    position,
    line: before.length,
    column: before[before.length - 1].length + 1,
    near: text
      .slice(position, position + NEAR_LENGTH)
      .replace(/\s+/g, " ")
      .trim(),
  };
}
