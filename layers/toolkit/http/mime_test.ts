import assert from "node:assert/strict";
import { contentTypeFor, isCompressibleType } from "./mime.ts";

Deno.test("contentTypeFor() adds charset=utf-8 when the type is text, JavaScript or JSON", () => {
  assert.equal(contentTypeFor("index.html"), "text/html; charset=utf-8");
  assert.equal(contentTypeFor("site.css"), "text/css; charset=utf-8");
  assert.equal(contentTypeFor("notes.txt"), "text/plain; charset=utf-8");
  assert.equal(contentTypeFor("app.js"), "text/javascript; charset=utf-8");
  assert.equal(contentTypeFor("app.mjs"), "text/javascript; charset=utf-8");
  assert.equal(contentTypeFor("data.json"), "application/json; charset=utf-8");
  assert.equal(contentTypeFor("app.js.map"), "application/json; charset=utf-8");
  assert.equal(contentTypeFor("site.webmanifest"), "application/manifest+json; charset=utf-8");
});

Deno.test("contentTypeFor() leaves binary types bare when they have no charset", () => {
  assert.equal(contentTypeFor("logo.png"), "image/png");
  assert.equal(contentTypeFor("photo.JPG"), "image/jpeg");
  assert.equal(contentTypeFor("font.woff2"), "font/woff2");
  assert.equal(contentTypeFor("module.wasm"), "application/wasm");
  assert.equal(contentTypeFor("doc.pdf"), "application/pdf");
  assert.equal(contentTypeFor("icon.svg"), "image/svg+xml");
});

Deno.test("contentTypeFor() picks the registered type when several claim an extension", () => {
  assert.equal(contentTypeFor("movie.mp4"), "video/mp4");
  assert.equal(contentTypeFor("song.mp3"), "audio/mpeg");
  assert.equal(contentTypeFor("feed.xml"), "application/xml");
  assert.equal(contentTypeFor("doc.rtf"), "application/rtf");
  assert.equal(contentTypeFor("favicon.ico"), "image/vnd.microsoft.icon");
  assert.equal(contentTypeFor("sound.wav"), "audio/wav");
});

Deno.test("contentTypeFor() accepts a bare or dotted extension when given no path", () => {
  assert.equal(contentTypeFor("css"), "text/css; charset=utf-8");
  assert.equal(contentTypeFor(".css"), "text/css; charset=utf-8");
  assert.equal(contentTypeFor("HTML"), "text/html; charset=utf-8");
});

Deno.test("contentTypeFor() returns undefined when the extension is unknown or missing", () => {
  assert.equal(contentTypeFor("static/README"), undefined);
  assert.equal(contentTypeFor("dir.d/Makefile"), undefined);
  assert.equal(contentTypeFor("archive.unknownext"), undefined);
  assert.equal(contentTypeFor("trailing."), undefined);
  assert.equal(contentTypeFor(""), undefined);
  assert.equal(contentTypeFor("constructor"), undefined);
  assert.equal(contentTypeFor("x.__proto__"), undefined);
});

Deno.test("contentTypeFor() uses overrides when they name the extension", () => {
  const overrides = { md: "text/plain", mjs: "application/javascript" };
  assert.equal(contentTypeFor("README.md", overrides), "text/plain");
  assert.equal(contentTypeFor("a.MJS", overrides), "application/javascript");
  assert.equal(contentTypeFor("a.css", overrides), "text/css; charset=utf-8");
  assert.equal(contentTypeFor("a.toString", overrides), undefined);
});

Deno.test("isCompressibleType() follows mime-db when the type is known", () => {
  assert.equal(isCompressibleType("text/html"), true);
  assert.equal(isCompressibleType("text/css; charset=utf-8"), true);
  assert.equal(isCompressibleType("application/javascript"), true);
  assert.equal(isCompressibleType("Application/JSON"), true);
  assert.equal(isCompressibleType("image/svg+xml"), true);
  assert.equal(isCompressibleType("image/png"), false);
  assert.equal(isCompressibleType("application/zip"), false);
  assert.equal(isCompressibleType("font/woff2"), false);
});

Deno.test("isCompressibleType() guesses from the type's shape when mime-db has no flag", () => {
  assert.equal(isCompressibleType("text/x-made-up"), true);
  assert.equal(isCompressibleType("application/vnd.made-up+json"), true);
  assert.equal(isCompressibleType("application/x-made-up"), false);
  assert.equal(isCompressibleType(""), false);
  assert.equal(isCompressibleType(null), false);
  assert.equal(isCompressibleType(undefined), false);
  assert.equal(isCompressibleType("garbage"), false);
});
