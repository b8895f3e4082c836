/**
 * HTTP dates (RFC 9110 §5.6.7): format the IMF-fixdate every response uses, and parse the three
 * forms a recipient must accept (IMF-fixdate, the obsolete RFC 850 form and asctime).
 *
 * @module
 */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTH_NAMES = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const MONTHS: ReadonlyMap<string, number> = new Map(
  ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    .map((name, index) => [name, index]),
);
const SHORT_DAYS: ReadonlySet<string> = new Set(DAYS);
const RFC850 = new RegExp(
  `^${LONG_DAYS}, (\\d\\d)-${MONTH_NAMES}-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d) GMT$`,
);
const ASCTIME = new RegExp(
  `^(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) ${MONTH_NAMES} ( \\d|\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d) (\\d{4})$`,
);

const FORMAT_CACHE_LIMIT = 1024;
const formatted = new Map<number, string>();
let formattedSecond = NaN;
let formattedText = "";
let parsedText = "";
let parsedTime = NaN;

/**
 * Formats a date (or milliseconds since the epoch) as an IMF-fixdate, e.g.
 * `Sun, 06 Nov 1994 08:49:37 GMT`; the fraction of a second is dropped.
 *
 * Results are cached per second (the last one, plus up to 1024 others such as files'
 * modification times), so stamping every response costs a comparison or a map lookup. Throws a `RangeError` for an invalid date or a year outside 0–9999,
 * which HTTP cannot express.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatHttpDate } from "./dates.ts";
 *
 * assert.equal(formatHttpDate(Date.UTC(1994, 10, 6, 8, 49, 37, 500)), "Sun, 06 Nov 1994 08:49:37 GMT");
 * assert.equal(formatHttpDate(new Date(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
 * ```
 */
export function formatHttpDate(date: Date | number): string {
  const time = typeof date === "number" ? date : date.getTime();
  const second = Math.floor(time / 1000);
  if (second === formattedSecond) return formattedText;
  let text = formatted.get(second);
  if (text === undefined) {
    const whole = new Date(second * 1000);
    const year = whole.getUTCFullYear();
    if (!(year >= 0 && year <= 9999)) {
      throw new RangeError(
        `Cannot format HTTP date: "${String(date)}" is not a date from year 0 to 9999`,
      );
    }
    text = whole.toUTCString();
    if (formatted.size >= FORMAT_CACHE_LIMIT) formatted.clear();
    formatted.set(second, text);
  }
  formattedSecond = second;
  formattedText = text;
  return text;
}

/**
 * Parses an HTTP date in any of the three forms RFC 9110 §5.6.7 requires a recipient to accept;
 * anything else (including impossible dates like 31 Feb) gives `null`, never an exception.
 *
 * - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
 * - RFC 850 (obsolete): `Sunday, 06-Nov-94 08:49:37 GMT`; a two-digit year that would be more
 *   than 50 years in the future means the most recent past year with those digits
 * - asctime: `Sun Nov  6 08:49:37 1994`
 *
 * Names are case-sensitive, as the grammar says. A leap second (`:60`) is accepted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHttpDate } from "./dates.ts";
 *
 * const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
 * assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")?.getTime(), expected);
 * assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")?.getTime(), expected);
 * assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994")?.getTime(), expected);
 * assert.equal(parseHttpDate("yesterday"), null);
 * assert.equal(parseHttpDate(null), null);
 * ```
 */
export function parseHttpDate(value: string | null): Date | null {
  if (typeof value !== "string") return null;
  if (value === parsedText) return Number.isNaN(parsedTime) ? null : new Date(parsedTime);
  const time = parseTime(value.trim());
  parsedText = value;
  parsedTime = time;
  return Number.isNaN(time) ? null : new Date(time);
}

function parseTime(text: string): number {
  if (text.length === 29) return parseImfFixdate(text);
  let match = RFC850.exec(text);
  if (match) {
    return utc(rfc850Year(Number(match[3])), match[2], match[1], match.slice(4, 7));
  }
  match = ASCTIME.exec(text);
  if (match) return utc(Number(match[6]), match[1], match[2].trim(), match.slice(3, 6));
  return NaN;
}

/** `Sun, 06 Nov 1994 08:49:37 GMT`, read by position (the common case, no regex). */
function parseImfFixdate(text: string): number {
  if (
    text.charCodeAt(3) !== 44 || text.charCodeAt(4) !== 32 || text.charCodeAt(7) !== 32 ||
    text.charCodeAt(11) !== 32 || text.charCodeAt(16) !== 32 || text.charCodeAt(19) !== 58 ||
    text.charCodeAt(22) !== 58 || !text.endsWith(" GMT") || !SHORT_DAYS.has(text.slice(0, 3))
  ) {
    return NaN;
  }
  const year = digits(text, 12, 4);
  if (year < 0) return NaN;
  return utc(year, text.slice(8, 11), text.slice(5, 7), [
    text.slice(17, 19),
    text.slice(20, 22),
    text.slice(23, 25),
  ]);
}

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

function utc(year: number, monthName: string, dayText: string, clock: string[]): number {
  const month = MONTHS.get(monthName);
  const day = digits(dayText, 0, dayText.length);
  const hour = digits(clock[0], 0, 2);
  const minute = digits(clock[1], 0, 2);
  const second = digits(clock[2], 0, 2);
  if (
    month === undefined || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 ||
    minute < 0 || minute > 59 || second < 0 || second > 60
  ) {
    return NaN;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month, day); // setUTCFullYear keeps years 0–99 as written
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** RFC 9110: a two-digit year more than 50 years ahead belongs to the previous century. */
function rfc850Year(twoDigits: number): number {
  const now = new Date().getUTCFullYear();
  let year = now - (now % 100) + twoDigits;
  if (year > now + 50) year -= 100;
  else if (year <= now - 50) year += 100;
  return year;
}
