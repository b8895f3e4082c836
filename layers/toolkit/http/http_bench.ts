import { parseAccept, parseAcceptEncoding, parseAcceptLanguage } from "./accept.ts";
import { parseCacheControl, parseResponseCacheControl } from "./cache_control.ts";
import { parseCookies } from "./cookies.ts";
import { parseOptionsHeader } from "./options_header.ts";
import { parseAuthorization } from "./authorization.ts";

const CHROME_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif," +
  "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
const OFFERS = ["application/json", "text/html"];
const COOKIE = "_ga=GA1.1.123456789.1700000000; sid=s%3Aabcdef0123456789.signature; " +
  'theme="dark"; consent=yes; _gid=GA1.1.987654321.1700000000; csrftoken=Zm9vYmFy';
let counter = 0;

Deno.bench("parseAccept() + best() on a browser header (cached)", { group: "accept" }, () => {
  parseAccept(CHROME_ACCEPT).best(OFFERS);
});

Deno.bench("parseAccept() + best() on a fresh header (uncached)", { group: "accept" }, () => {
  parseAccept(`${CHROME_ACCEPT}, x/${counter++ % 100_000}`).best(OFFERS);
});

Deno.bench("parseAcceptLanguage() + best()", { group: "accept" }, () => {
  parseAcceptLanguage("en-US,en;q=0.9,fr;q=0.8").best(["fr", "en", "de"]);
});

Deno.bench("parseAcceptEncoding() + best()", { group: "accept" }, () => {
  parseAcceptEncoding("gzip, deflate, br, zstd").best(["br", "gzip", "identity"]);
});

Deno.bench("parseCookies() on six cookies", { group: "cookies" }, () => {
  parseCookies(COOKIE).get("sid");
});

Deno.bench("parseCacheControl() request header", { group: "cache-control" }, () => {
  parseCacheControl("no-cache, max-age=0");
});

Deno.bench("parseResponseCacheControl() response header", { group: "cache-control" }, () => {
  parseResponseCacheControl('public, max-age=3600, s-maxage=600, no-cache="set-cookie"');
});

Deno.bench("parseOptionsHeader() Content-Type", { group: "misc" }, () => {
  parseOptionsHeader("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW");
});

Deno.bench("parseAuthorization() Basic", { group: "misc" }, () => {
  parseAuthorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
});
