/** Asserting user-facing errors: a QstError whose message contains (or matches) the expected text. */
import { expect } from "vitest";
import { QstError } from "../../src/core/errors.js";

export function expectQstError(fn: () => unknown, text: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(QstError);
  const message = (caught as Error).message;
  if (typeof text === "string") expect(message).toContain(text);
  else expect(message).toMatch(text);
}
