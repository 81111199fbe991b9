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

/**
 * The QstError a promise rejects with, which must be one line starting with the name of the file at
 * fault (`FILE: …`, or `FILE and OTHER: …` when two files are at fault together); returns the message.
 */
export async function refusal(promise: Promise<unknown>, file: string): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QstError);
  const message = (error as Error).message;
  expect(message.split("\n")).toHaveLength(1);
  expect(message.startsWith(`${file}: `) || message.startsWith(`${file} and `), message).toBe(true);
  return message;
}
