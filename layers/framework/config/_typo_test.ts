import assert from "node:assert/strict";
import { FLASK_SCHEMA } from "./flask_schema.ts";
import { likelyTypo } from "./_typo.ts";

const known = Object.keys(FLASK_SCHEMA);

Deno.test("likelyTypo() finds near misses of Flask's keys", () => {
  assert.equal(likelyTypo("SECRET_KY", known), "SECRET_KEY");
  assert.equal(likelyTypo("SECERT_KEY", known), "SECRET_KEY");
  assert.equal(likelyTypo("SESSION_COOKIE_SAMSITE", known), "SESSION_COOKIE_SAMESITE");
  assert.equal(likelyTypo("MAX_CONTENT_LENGHT", known), "MAX_CONTENT_LENGTH");
  assert.equal(likelyTypo("DEBG", known), "DEBUG");
  assert.equal(likelyTypo("testing", known), "TESTING");
});

Deno.test("likelyTypo() leaves an app's own keys alone", () => {
  for (const key of ["DATABASE_URL", "SQLALCHEMY", "MAIL_PORT", "REDIS", "DEBUG_TB", "API_KEY"]) {
    assert.equal(likelyTypo(key, known), undefined, key);
  }
  assert.equal(likelyTypo("DEBUG", known), undefined);
  assert.equal(likelyTypo("X", []), undefined);
});
