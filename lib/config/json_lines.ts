/**
 * Rule: JSON read for a person's config file, so each mistake can be named by
 * line: the parsed value, and the line where each member or element starts.
 * `JSON.parse` checks the syntax (its offset becomes a line); a small scan
 * over the valid text then records where every path begins.
 *
 * @module
 */

/** A path into a JSON value: member names and element indexes. */
export type JsonPath = readonly (string | number)[];

/** A parsed file and where its parts are. */
export interface LinedJson {
  value: unknown;
  /** The line (1-based) where `path` begins; its nearest parent's line if it is not there. */
  lineOf(path: JsonPath): number;
}

/**
 * Parses `text`; a syntax error throws a `SyntaxError` that starts with its line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsonLines } from "./json_lines.ts";
 * const file = parseJsonLines('{\n  "redirects": [\n    { "source": "/a",\n      "status": 999 }\n  ]\n}');
 * assert.equal(file.lineOf(["redirects", 0, "status"]), 4);
 * assert.equal(file.lineOf(["redirects", 0]), 3);
 * assert.throws(() => parseJsonLines('{\n  "a": 1,\n}'), /^SyntaxError: line 3:/);
 * ```
 */
export function parseJsonLines(text: string): LinedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec(String(e))?.[1];
    const line = at === undefined ? lineAt(text, text.length) : lineAt(text, Number(at));
    throw new SyntaxError(`line ${line}: ${(e as Error).message.replace(/ at position \d+.*$/, "")}`);
  }
  const lines = new Map<string, number>();
  let at = 0;
  const skip = () => {
    while (/\s/.test(text[at] ?? "")) at++;
  };
  const scan = (path: JsonPath): void => {
    skip();
    lines.set(JSON.stringify(path), lineAt(text, at));
    const open = text[at];
    if (open === "{" || open === "[") {
      at++;
      for (let index = 0;; index++) {
        skip();
        if (text[at] === "}" || text[at] === "]") break;
        let key: string | number = index;
        if (open === "{") {
          const end = stringEnd(text, at);
          key = JSON.parse(text.slice(at, end));
          at = end;
          skip();
          at++; // the colon
        }
        scan([...path, key]);
        skip();
        if (text[at] === ",") at++;
      }
      at++;
    } else if (open === '"') at = stringEnd(text, at);
    else while (at < text.length && !/[\s,\]}]/.test(text[at])) at++;
  };
  scan([]);
  return {
    value,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const line = lines.get(JSON.stringify(path.slice(0, n)));
        if (line !== undefined) return line;
      }
      return 1;
    },
  };
}

/** The line (1-based) of offset `at` in `text`. */
function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = 0; i < at && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

/** The offset just past the JSON string that starts at `at`. */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}
