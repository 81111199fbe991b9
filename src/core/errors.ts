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
