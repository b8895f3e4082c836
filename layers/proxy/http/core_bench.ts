// The HTTP core's head parser: `deno bench -A layers/proxy/http/core_bench.ts`.

import { latin1, parseRequestHead } from "./parse.ts";

const encoder = new TextEncoder();
const limits = { maxRequestLine: 8192, maxHeaders: 100 };

const wrkHead = encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
const browserHead = encoder.encode(
  "GET /static/app.css?v=3 HTTP/1.1\r\n" +
    "Host: www.example.com\r\n" +
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n" +
    "Accept: text/css,*/*;q=0.1\r\n" +
    "Accept-Language: en-US,en;q=0.5\r\n" +
    "Accept-Encoding: gzip, deflate, br\r\n" +
    "Referer: https://www.example.com/\r\n" +
    "Connection: keep-alive\r\n" +
    "Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n" +
    'If-None-Match: "65a1b2c3-4d2"\r\n' +
    "Cache-Control: max-age=0\r\n\r\n",
);
const utf8 = new TextDecoder();

Deno.bench("parseRequestHead(), wrk's head (request line + Host)", {
  group: "parse",
  baseline: true,
}, () => {
  parseRequestHead(wrkHead, limits);
});

Deno.bench("parseRequestHead(), a browser's head (11 fields)", { group: "parse" }, () => {
  parseRequestHead(browserHead, limits);
});

Deno.bench("latin1(), a browser's head", { group: "decode", baseline: true }, () => {
  latin1(browserHead);
});

Deno.bench("TextDecoder.decode(), a browser's head (reference)", { group: "decode" }, () => {
  utf8.decode(browserHead);
});
