import assert from "node:assert/strict";
import {
  isClientError,
  isEmptyBodyStatus,
  isInformational,
  isRedirect,
  isServerError,
  isSuccess,
  Status,
  STATUS_TEXT,
  statusText,
} from "./status.ts";

Deno.test("Status names every code that STATUS_TEXT knows", () => {
  const named = new Set<number>(Object.values(Status));
  for (const code of Object.keys(STATUS_TEXT).map(Number)) {
    assert.ok(named.has(code), `no name for ${code}`);
  }
  for (const code of named) assert.ok(code in STATUS_TEXT, `no reason phrase for ${code}`);
});

Deno.test("Status names follow the reason phrases", () => {
  for (const [name, code] of Object.entries(Status)) {
    if (["Teapot", "PayloadTooLarge", "UnprocessableEntity", "OK", "IMUsed"].includes(name)) {
      continue;
    }
    const phrase = STATUS_TEXT[code].replace(/[^A-Za-z]/g, "").toLowerCase();
    assert.equal(name.toLowerCase(), phrase, name);
  }
  assert.equal(Status.OK, 200);
  assert.equal(Status.PayloadTooLarge, Status.ContentTooLarge);
  assert.ok(Object.isFrozen(Status));
});

Deno.test("statusText() is the gateway's reason phrase lookup", () => {
  assert.equal(statusText(Status.NotFound), "Not Found");
  assert.equal(statusText(599), "Server Error");
});

Deno.test("status class checks classify codes by hundreds", () => {
  const checks = [isInformational, isSuccess, isRedirect, isClientError, isServerError];
  for (
    const [code, index] of [[100, 0], [199, 0], [200, 1], [299, 1], [300, 2], [404, 3], [599, 4]]
  ) {
    checks.forEach((check, i) => assert.equal(check(code), i === index, `${check.name}(${code})`));
  }
});

Deno.test("status class checks return false for out-of-range and non-integer codes", () => {
  for (const code of [0, 99, 600, 200.5, NaN, Infinity, -404]) {
    assert.equal(isInformational(code) || isSuccess(code) || isRedirect(code), false);
    assert.equal(isClientError(code) || isServerError(code) || isEmptyBodyStatus(code), false);
  }
});

Deno.test("isEmptyBodyStatus() matches the statuses Response refuses a body for", () => {
  for (const code of [101, 103, 204, 205, 304]) {
    assert.equal(isEmptyBodyStatus(code), true, String(code));
    assert.throws(() => new Response("x", { status: code === 101 ? 204 : code }));
  }
  for (const code of [200, 201, 206, 301, 404, 500]) assert.equal(isEmptyBodyStatus(code), false);
});
