import assert from "node:assert/strict";
import {
  BadGateway,
  BadRequest,
  Conflict,
  ContentTooLarge,
  errorToResponse,
  ExpectationFailed,
  FailedDependency,
  Forbidden,
  GatewayTimeout,
  Gone,
  HttpError,
  httpErrorFor,
  HttpVersionNotSupported,
  ImATeapot,
  InternalServerError,
  isHttpError,
  LengthRequired,
  Locked,
  MethodNotAllowed,
  NotAcceptable,
  NotFound,
  NotImplemented,
  PreconditionFailed,
  PreconditionRequired,
  RangeNotSatisfiable,
  RequestEntityTooLarge,
  RequestHeaderFieldsTooLarge,
  RequestRedirect,
  RequestTimeout,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized,
  UnavailableForLegalReasons,
  UnprocessableContent,
  UnsupportedMediaType,
  UriTooLong,
} from "./exceptions.ts";

const CLASSES: [new () => HttpError, number, string][] = [
  [BadRequest, 400, "Bad Request"],
  [Unauthorized, 401, "Unauthorized"],
  [Forbidden, 403, "Forbidden"],
  [NotFound, 404, "Not Found"],
  [NotAcceptable, 406, "Not Acceptable"],
  [RequestTimeout, 408, "Request Timeout"],
  [Conflict, 409, "Conflict"],
  [Gone, 410, "Gone"],
  [LengthRequired, 411, "Length Required"],
  [PreconditionFailed, 412, "Precondition Failed"],
  [ContentTooLarge, 413, "Content Too Large"],
  [UriTooLong, 414, "URI Too Long"],
  [UnsupportedMediaType, 415, "Unsupported Media Type"],
  [RangeNotSatisfiable, 416, "Range Not Satisfiable"],
  [ExpectationFailed, 417, "Expectation Failed"],
  [ImATeapot, 418, "I'm a teapot"],
  [UnprocessableContent, 422, "Unprocessable Content"],
  [Locked, 423, "Locked"],
  [FailedDependency, 424, "Failed Dependency"],
  [PreconditionRequired, 428, "Precondition Required"],
  [TooManyRequests, 429, "Too Many Requests"],
  [RequestHeaderFieldsTooLarge, 431, "Request Header Fields Too Large"],
  [UnavailableForLegalReasons, 451, "Unavailable For Legal Reasons"],
  [InternalServerError, 500, "Internal Server Error"],
  [NotImplemented, 501, "Not Implemented"],
  [BadGateway, 502, "Bad Gateway"],
  [ServiceUnavailable, 503, "Service Unavailable"],
  [GatewayTimeout, 504, "Gateway Timeout"],
  [HttpVersionNotSupported, 505, "HTTP Version Not Supported"],
];

const JSON_ACCEPT = { accept: "application/json" };

Deno.test("every HttpError subclass has its status, title, name and a default description", async () => {
  for (const [ctor, status, title] of CLASSES) {
    const error = new ctor();
    assert.ok(error instanceof HttpError && error instanceof Error);
    assert.equal(error.status, status, ctor.name);
    assert.equal((ctor as unknown as typeof HttpError).status, status);
    assert.equal(error.title, title);
    assert.equal(error.name, ctor.name);
    assert.ok(error.description.length > 10, ctor.name);
    assert.equal(error.message, error.description);
    const response = error.toResponse();
    assert.equal(response.status, status);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    const body = await response.text();
    assert.ok(body.includes(`<title>${status} ${title.replace("'", "&#39;")}</title>`), body);
    assert.equal(httpErrorFor(status).constructor, ctor);
  }
});

Deno.test("HttpError.toResponse() sends JSON when Accept prefers application/json", async () => {
  const request = new Request("http://x/", { headers: JSON_ACCEPT });
  const response = new NotFound("No <user>.").toResponse(request);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assert.deepEqual(await response.json(), {
    error: { status: 404, title: "Not Found", description: "No <user>." },
  });
});

Deno.test("HttpError.toResponse() sends HTML when html ranks equal or higher than json", async () => {
  for (
    const accept of [
      "*/*",
      "text/html, application/json",
      "application/json;q=0.5, text/html",
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "garbage;;;q=x",
      "",
    ]
  ) {
    const request = new Request("http://x/", { headers: { accept } });
    const response = new BadRequest().toResponse(request);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8", accept);
    await response.body?.cancel();
  }
});

Deno.test("HttpError.toResponse() sends JSON for application/* over a lower text/html", async () => {
  const request = new Request("http://x/", {
    headers: { accept: "text/html;q=0.1, application/*" },
  });
  const response = new BadRequest().toResponse(request);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  await response.body?.cancel();
});

Deno.test("HttpError.toResponse() sends no body for HEAD but keeps headers", async () => {
  const request = new Request("http://x/", { method: "HEAD" });
  const response = new MethodNotAllowed(["GET"]).toResponse(request);
  assert.equal(response.status, 405);
  assert.equal(response.body, null);
  assert.equal(response.headers.get("allow"), "GET");
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(await response.text(), "");
});

Deno.test("HttpError.toResponse() escapes the description in HTML", async () => {
  const body = await new BadRequest(`<script>alert("x")</script> & 'y'`).toResponse().text();
  assert.ok(!body.includes("<script>"));
  assert.ok(body.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"));
});

Deno.test("HttpError keeps options.headers and cause", () => {
  const cause = new Error("inner");
  const error = new Conflict("Busy.", { headers: { "x-a": "1" }, cause });
  assert.equal(error.headers.get("x-a"), "1");
  assert.equal(error.cause, cause);
  assert.equal(error.toResponse().headers.get("x-a"), "1");
});

Deno.test("HttpError() takes a status only in the generic class", () => {
  assert.equal(new HttpError().status, 500);
  assert.equal(new HttpError(undefined, { status: 402 }).title, "Payment Required");
  assert.match(new HttpError(undefined, { status: 402 }).description, /could not process/);
  assert.match(new HttpError(undefined, { status: 599 }).description, /could not complete/);
  const notFound = new NotFound(undefined, { status: 500 } as never);
  assert.equal(notFound.status, 404);
});

Deno.test("MethodNotAllowed() sets Allow and exposes allowed", () => {
  const allowed = ["GET", "POST"];
  const error = new MethodNotAllowed(allowed, "Nope.");
  allowed.push("PUT");
  assert.deepEqual(error.allowed, ["GET", "POST"]);
  assert.equal(error.headers.get("allow"), "GET, POST");
  assert.equal(error.description, "Nope.");
});

Deno.test("Unauthorized() sets one WWW-Authenticate per challenge", () => {
  const error = new Unauthorized(undefined, {
    wwwAuthenticate: ['Basic realm="a"', { scheme: "bearer", params: { realm: "b" } }],
  });
  assert.equal(error.headers.get("www-authenticate"), 'Basic realm="a", Bearer realm="b"');
  const one = new Unauthorized(undefined, { wwwAuthenticate: { scheme: "Basic", params: {} } });
  assert.equal(one.headers.get("www-authenticate"), "Basic");
  assert.equal(new Unauthorized().headers.has("www-authenticate"), false);
});

Deno.test("TooManyRequests() and ServiceUnavailable() set Retry-After from seconds or a Date", () => {
  assert.equal(new TooManyRequests(undefined, { retryAfter: 1.2 }).headers.get("retry-after"), "2");
  const date = new Date(Date.UTC(2015, 9, 21, 7, 28));
  assert.equal(
    new TooManyRequests(undefined, { retryAfter: date }).headers.get("retry-after"),
    "Wed, 21 Oct 2015 07:28:00 GMT",
  );
  assert.equal(
    new ServiceUnavailable(undefined, { retryAfter: 120 }).headers.get("retry-after"),
    "120",
  );
  assert.equal(new ServiceUnavailable().headers.has("retry-after"), false);
});

Deno.test("RangeNotSatisfiable() sets Content-Range from length", () => {
  assert.equal(
    new RangeNotSatisfiable(undefined, { length: 0 }).headers.get("content-range"),
    "bytes */0",
  );
  assert.equal(new RangeNotSatisfiable().headers.has("content-range"), false);
});

Deno.test("RequestEntityTooLarge is ContentTooLarge", () => {
  assert.equal(RequestEntityTooLarge, ContentTooLarge);
});

Deno.test("RequestRedirect() answers 308 with Location and an escaped link", async () => {
  const error = new RequestRedirect(new URL("http://x/a?b=<c>"));
  assert.equal(error.location, "http://x/a?b=%3Cc%3E");
  const response = error.toResponse();
  assert.equal(response.status, 308);
  assert.equal(response.headers.get("location"), "http://x/a?b=%3Cc%3E");
  assert.match(await response.text(), /<a href="http:\/\/x\/a\?b=%3Cc%3E">/);
  const quoted = await new RequestRedirect('/"x').toResponse().text();
  assert.ok(quoted.includes('href="/&quot;x"'));
});

Deno.test("isHttpError() tells HttpErrors from other values", () => {
  assert.ok(isHttpError(new RequestRedirect("/")));
  assert.ok(!isHttpError({ status: 404 }));
  assert.ok(!isHttpError(null));
});

Deno.test("httpErrorFor() picks the class, or a generic error for other statuses", () => {
  assert.ok(httpErrorFor(405) instanceof MethodNotAllowed);
  const generic = httpErrorFor(402, "Pay.");
  assert.equal(generic.constructor, HttpError);
  assert.equal(generic.status, 402);
  assert.equal(generic.description, "Pay.");
  assert.equal(httpErrorFor(308).constructor, HttpError);
});

Deno.test("errorToResponse() hides non-HTTP errors behind a 500", async () => {
  const response = errorToResponse(new TypeError("secret detail"));
  assert.equal(response.status, 500);
  const body = await response.text();
  assert.ok(!body.includes("secret"));
  assert.ok(body.includes("Internal Server Error"));
  const json = errorToResponse("a string", new Request("http://x/", { headers: JSON_ACCEPT }));
  assert.equal((await json.json()).error.status, 500);
});

Deno.test("errorToResponse() uses an HttpError's own response", async () => {
  const response = errorToResponse(new Gone("Bye."));
  assert.equal(response.status, 410);
  assert.match(await response.text(), /<p>Bye\.<\/p>/);
});
