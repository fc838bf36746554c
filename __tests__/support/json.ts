/** Parsed JSON or YAML read back from synthesized output: tests index into it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;
