/**
 * A problem with the user's input or request, as opposed to a bug in qst.
 * The CLI prints its message alone (no stack trace) and exits non-zero, so the message must
 * name the file (or option) and say what is wrong with it.
 */
export class QstError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QstError";
  }
}

/** Throws a QstError unless `condition` holds. */
export function ensure(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new QstError(typeof message === "function" ? message() : message);
}

/**
 * Makes text from a file safe to print on one terminal line: control characters (C0, DEL, C1),
 * line and paragraph separators and bidirectional overrides become visible escapes (\n, \x1b,
 * \u202e), so a dataset name or a CSV header cannot fake or erase lines of qst's output.
 */
export function escapeControl(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    const code = c.charCodeAt(0);
    return (
      named[c] ??
      (code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`)
    );
  });
}
