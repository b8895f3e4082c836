import assert from "node:assert/strict";
import { formatHttpDate, parseHttpDate } from "./dates.ts";

const EXAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37);

Deno.test("formatHttpDate() writes an IMF-fixdate from a Date or milliseconds", () => {
  assert.equal(formatHttpDate(new Date(EXAMPLE)), "Sun, 06 Nov 1994 08:49:37 GMT");
  assert.equal(formatHttpDate(EXAMPLE + 999), "Sun, 06 Nov 1994 08:49:37 GMT");
  assert.equal(formatHttpDate(Date.UTC(2024, 1, 29, 23, 59, 59)), "Thu, 29 Feb 2024 23:59:59 GMT");
  assert.equal(formatHttpDate(Date.UTC(999, 0, 1)), "Tue, 01 Jan 0999 00:00:00 GMT");
});

Deno.test("formatHttpDate() returns fresh text when the second changes", () => {
  const first = formatHttpDate(EXAMPLE);
  assert.equal(formatHttpDate(EXAMPLE + 500), first);
  assert.equal(formatHttpDate(EXAMPLE + 1000), "Sun, 06 Nov 1994 08:49:38 GMT");
  assert.equal(formatHttpDate(EXAMPLE - 1), "Sun, 06 Nov 1994 08:49:36 GMT");
});

Deno.test("formatHttpDate() throws a RangeError when the date cannot be written", () => {
  assert.throws(() => formatHttpDate(new Date(NaN)), RangeError);
  assert.throws(() => formatHttpDate(Date.UTC(10000, 0, 1)), /Cannot format HTTP date/);
  assert.throws(() => formatHttpDate(Date.UTC(-1, 0, 1)), RangeError);
});

Deno.test("parseHttpDate() reads the three forms RFC 9110 requires", () => {
  assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")?.getTime(), EXAMPLE);
  assert.equal(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")?.getTime(), EXAMPLE);
  assert.equal(parseHttpDate("Sun Nov  6 08:49:37 1994")?.getTime(), EXAMPLE);
  assert.equal(parseHttpDate("Sun Nov 16 08:49:37 1994")?.getTime(), EXAMPLE + 10 * 86400000);
  assert.equal(parseHttpDate("  Sun, 06 Nov 1994 08:49:37 GMT ")?.getTime(), EXAMPLE);
});

Deno.test("parseHttpDate() round-trips formatHttpDate()", () => {
  for (const time of [0, EXAMPLE, Date.UTC(2038, 0, 19, 3, 14, 8), Date.UTC(9999, 11, 31)]) {
    assert.equal(parseHttpDate(formatHttpDate(time))?.getTime(), time);
  }
  assert.equal(parseHttpDate("Sat, 01 Jan 0000 00:00:00 GMT")?.getUTCFullYear(), 0);
});

Deno.test("parseHttpDate() applies the 50-year rule when an RFC 850 year has two digits", () => {
  const now = new Date().getUTCFullYear();
  const soon = (now + 10) % 100;
  const far = (now + 60) % 100;
  const two = (n: number) => String(n).padStart(2, "0");
  const soonDate = parseHttpDate(`Monday, 01-Jan-${two(soon)} 00:00:00 GMT`);
  const farDate = parseHttpDate(`Monday, 01-Jan-${two(far)} 00:00:00 GMT`);
  assert.equal(soonDate?.getUTCFullYear(), now + 10);
  assert.equal(farDate?.getUTCFullYear(), now + 60 - 100);
  const lastYear = parseHttpDate(`Monday, 01-Jan-${two((now - 1) % 100)} 00:00:00 GMT`);
  assert.equal(lastYear?.getUTCFullYear(), now - 1);
});

Deno.test("parseHttpDate() returns null when the value is not a valid date", () => {
  for (
    const value of [
      null,
      "",
      "yesterday",
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 06 Nov 1994 08:49:37 gmt",
      "sun, 06 Nov 1994 08:49:37 GMT",
      "Xyz, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 nov 1994 08:49:37 GMT",
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "Sun,  6 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 31 Feb 1994 08:49:37 GMT",
      "Sun, 00 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:60:00 GMT",
      "Sun, 06 Nov 1994 08:49:61 GMT",
      "Sun, 06 Nov 199x 08:49:37 GMT",
      "Sun, 06 Nov 1994 08-49-37 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
      "Sun, 06-Nov-94 08:49:37 GMT",
      "Sunday, 06-Nov-1994 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994",
      "Sun Nov  6 08:49:37 94",
      "1994-11-06T08:49:37Z",
      "784111777",
      "\u0000".repeat(29),
    ]
  ) {
    assert.equal(parseHttpDate(value), null, `${JSON.stringify(value)} should not parse`);
  }
});

Deno.test("parseHttpDate() checks leap years when the date is 29 February", () => {
  assert.notEqual(parseHttpDate("Thu, 29 Feb 2024 00:00:00 GMT"), null);
  assert.notEqual(parseHttpDate("Tue, 29 Feb 2000 00:00:00 GMT"), null);
  assert.equal(parseHttpDate("Wed, 29 Feb 2023 00:00:00 GMT"), null);
  assert.equal(parseHttpDate("Thu, 29 Feb 1900 00:00:00 GMT"), null);
  assert.equal(parseHttpDate("Mon, 31 Apr 2024 00:00:00 GMT"), null);
});

Deno.test("parseHttpDate() accepts a leap second when the seconds are 60", () => {
  const date = parseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT");
  assert.equal(date?.getTime(), Date.UTC(2017, 0, 1));
});

Deno.test("parseHttpDate() returns a fresh Date when the same value repeats", () => {
  const first = parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")!;
  first.setTime(0);
  assert.equal(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")?.getTime(), EXAMPLE);
  assert.equal(parseHttpDate("nope"), null);
  assert.equal(parseHttpDate("nope"), null);
});
