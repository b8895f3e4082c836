/**
 * nginx's config tokenizer, after `ngx_conf_read_token()`: words split on blanks, `;` ends a
 * directive, `{` opens a block, `}` closes one, `#` starts a comment at a word's start, single
 * and double quotes group words, `\` escapes the next character, and `${` inside a word does
 * not open a block. Escapes `\" \' \\ \t \r \n` are decoded; any other `\x` stays as written
 * (regexes keep their `\d`).
 *
 * @module
 */

import { NginxSyntaxError } from "./errors.ts";

/** One statement: a directive ended by `;` or `{`, a closing `}`, or the end of the text. */
export type Statement =
  | { end: ";" | "{"; words: string[]; line: number }
  | { end: "}" | "eof"; words: []; line: number };

const BLANK = new Set([" ", "\t", "\r", "\n"]);

function unescape(raw: string): string {
  return raw.replace(/\\(["'\\trn])/g, (_, ch: string) => {
    switch (ch) {
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "n":
        return "\n";
      default:
        return ch;
    }
  });
}

/** The statements of `text` in order; throws `NginxSyntaxError` naming `file` and the line. */
export function* statements(text: string, file: string): Generator<Statement> {
  let line = 1;
  let words: string[] = [];
  let directiveLine = 1;
  let start = 0;
  let lastSpace = true;
  let needSpace = false;
  let comment = false;
  let quoted = false;
  let doubleQuoted = false;
  let singleQuoted = false;
  let variable = false;
  const fail = (why: string): never => {
    throw new NginxSyntaxError(why, { file, line });
  };
  const take = (end: ";" | "{"): Statement => {
    const statement: Statement = { end, words, line: directiveLine };
    words = [];
    return statement;
  };

  for (let i = 0;; i++) {
    if (i >= text.length) {
      if (words.length || !lastSpace) {
        fail(
          doubleQuoted || singleQuoted
            ? `unexpected end of file, expecting closing ${doubleQuoted ? '"' : "'"}`
            : 'unexpected end of file, expecting ";" or "}"',
        );
      }
      yield { end: "eof", words: [], line };
      return;
    }
    const ch = text[i];
    if (ch === "\n") {
      line++;
      if (comment) comment = false;
    }
    if (comment) continue;
    if (quoted) {
      quoted = false;
      continue;
    }
    if (needSpace) {
      if (BLANK.has(ch)) {
        lastSpace = true;
        needSpace = false;
        continue;
      }
      if (ch === ";" || ch === "{") {
        needSpace = false;
        lastSpace = true;
        yield take(ch);
        continue;
      }
      if (ch !== ")") fail(`unexpected "${ch}"`);
      lastSpace = true;
      needSpace = false;
    }
    if (lastSpace) {
      start = i;
      if (BLANK.has(ch)) continue;
      if (!words.length) directiveLine = line;
      switch (ch) {
        case ";":
        case "{":
          if (!words.length) fail(`unexpected "${ch}"`);
          yield take(ch);
          continue;
        case "}":
          if (words.length) fail('unexpected "}"');
          yield { end: "}", words: [], line };
          continue;
        case "#":
          comment = true;
          continue;
        case "\\":
          quoted = true;
          break;
        case '"':
          start++;
          doubleQuoted = true;
          break;
        case "'":
          start++;
          singleQuoted = true;
          break;
        case "$":
          variable = true;
          break;
      }
      lastSpace = false;
      continue;
    }
    if (ch === "{" && variable) continue;
    variable = false;
    if (ch === "\\") {
      quoted = true;
      continue;
    }
    if (ch === "$") {
      variable = true;
      continue;
    }
    let found = false;
    if (doubleQuoted || singleQuoted) {
      if (ch === (doubleQuoted ? '"' : "'")) {
        doubleQuoted = singleQuoted = false;
        needSpace = found = true;
      }
    } else if (BLANK.has(ch) || ch === ";" || ch === "{") {
      lastSpace = found = true;
    }
    if (!found) continue;
    words.push(unescape(text.slice(start, i)));
    if (ch === ";" || ch === "{") yield take(ch);
  }
}
