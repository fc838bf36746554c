// Keeps Jest's source-mapped stack traces for real errors, but not for the stack traces cdktf
// records on every token and construct (`captureStackTrace` on a plain `{ stack: "" }` object).
// Jest maps each of those frames through source-map-support, which parses the inline source map
// of every cdktf file on the stack, again in every test file: without this, about a third of the
// suite's time. Those records only feed cdktf's "token created at" diagnostics, which read as
// well with the compiled file positions.
// Runs first in setupFilesAfterEnv: Jest installs source-map-support after `setupFiles`.

const mapped = Error.prepareStackTrace;

if (mapped) {
  Error.prepareStackTrace = (error, frames) => {
    // Every Error (from any realm) has a `message`; cdktf's and constructs' records do not.
    if (typeof error === "object" && error !== null && !("message" in error)) {
      return `${String(error)}${frames.map((frame) => `\n    at ${String(frame)}`).join("")}`;
    }
    return mapped(error, frames);
  };
}

export {};
