// askAuthHttp() against a real auth service (Deno.serve on port 0) that records what it gets.

import assert from "node:assert/strict";
import type { MailServerConfig } from "../config/mod.ts";
import { askAuthHttp, AUTH_WAIT_ROUNDS, type AuthRequest } from "./auth_http.ts";
import { mailServer as testMailServer } from "./_test_util.ts";

interface AuthService {
  url: string;
  port: number;
  /** The header fields of every request received. */
  received: Headers[];
  stop(): Promise<void>;
}

/** An auth service answering each request with `answer(request, index)`. */
function startAuthService(
  answer: (request: Request, index: number) => Response | Promise<Response>,
): AuthService {
  const received: Headers[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    received.push(request.headers);
    return answer(request, received.length - 1);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/auth`,
    port: server.addr.port,
    received,
    stop: () => server.shutdown(),
  };
}

function reply(headers: Record<string, string>, status = 200): Response {
  return new Response(status === 200 ? "ignored body" : null, { status, headers });
}

/** A mail server asking the auth service at `url`, with a key header and a 5 s timeout. */
function mailServer(url: string, overrides: Partial<MailServerConfig> = {}): MailServerConfig {
  return testMailServer({
    authHttp: url,
    authHttpHeaders: [{ name: "X-Auth-Key", value: "s3cret" }],
    authHttpTimeout: 5_000,
    ...overrides,
  });
}

function attempt(overrides: Partial<AuthRequest> = {}): AuthRequest {
  return {
    method: "plain",
    user: "joe",
    pass: "secret",
    attempt: 1,
    clientIp: "192.0.2.7",
    helo: "client.example",
    ...overrides,
  };
}

const OK = { "Auth-Status": "OK", "Auth-Server": "127.0.0.1", "Auth-Port": "2525" };

/** The request's header fields other than those `fetch` adds on its own. */
function sent(headers: Headers): Record<string, string> {
  const fetchOwn = new Set(["accept", "accept-encoding", "accept-language", "user-agent"]);
  return Object.fromEntries([...headers].filter(([name]) => !fetchOwn.has(name)));
}

Deno.test("askAuthHttp() sends nginx's header fields, escaped, and reads an OK answer", async () => {
  const service = startAuthService(() => reply(OK));
  try {
    const answer = await askAuthHttp(
      mailServer(service.url),
      attempt({ method: "login", user: "jo e", pass: "50% off\r\nAuth-Status: OK", attempt: 3 }),
    );
    assert.deepEqual(answer, { kind: "ok", server: "127.0.0.1", port: 2525 });
    assert.equal(service.received.length, 1);
    assert.deepEqual(sent(service.received[0]), {
      "host": `127.0.0.1:${service.port}`,
      "auth-method": "plain",
      "auth-user": "jo%20e",
      "auth-pass": "50%25%20off%0D%0AAuth-Status:%20OK",
      "auth-protocol": "smtp",
      "auth-login-attempt": "3",
      "client-ip": "192.0.2.7",
      "client-host": "[UNAVAILABLE]",
      "auth-smtp-helo": "client.example",
      "x-auth-key": "s3cret",
    });
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() sends the challenge as Auth-Salt with cram-md5", async () => {
  const service = startAuthService(() => reply(OK));
  try {
    const answer = await askAuthHttp(
      mailServer(service.url, { authHttpHeaders: [] }),
      attempt({
        method: "cram-md5",
        pass: "b913a602c7eda7a495b4e6e7334d3890",
        salt: "<1896.697170952@mx.test>",
      }),
    );
    assert.equal(answer.kind, "ok");
    const headers = service.received[0];
    assert.equal(headers.get("auth-method"), "cram-md5");
    assert.equal(headers.get("auth-pass"), "b913a602c7eda7a495b4e6e7334d3890");
    assert.equal(headers.get("auth-salt"), "<1896.697170952@mx.test>");
    assert.equal(headers.get("x-auth-key"), null);
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() sends the envelope with control characters escaped in none mode", async () => {
  const service = startAuthService(() => reply(OK));
  try {
    await askAuthHttp(
      mailServer(service.url),
      attempt({
        method: "none",
        user: "",
        pass: "",
        helo: "client\r\nAuth-Status: OK",
        from: "MAIL FROM:<a@example.com> SIZE=100",
        to: "RCPT TO:<b@example.org>\r\nX-Injected: 1",
      }),
    );
    const headers = service.received[0];
    assert.equal(headers.get("auth-method"), "none");
    assert.equal(headers.get("auth-user"), "");
    assert.equal(headers.get("auth-pass"), "");
    assert.equal(headers.get("auth-smtp-helo"), "client%0D%0AAuth-Status: OK");
    assert.equal(headers.get("auth-smtp-from"), "MAIL FROM:<a@example.com> SIZE=100");
    assert.equal(headers.get("auth-smtp-to"), "RCPT TO:<b@example.org>%0D%0AX-Injected: 1");
    assert.equal(headers.get("x-injected"), null);
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() sends a UTF-8 password as its bytes, as nginx does", async () => {
  const service = startAuthService(() => reply(OK));
  try {
    await askAuthHttp(mailServer(service.url), attempt({ pass: "pässwörd" }));
    // The service sees the header's bytes, one Latin-1 character each.
    const bytes = new TextEncoder().encode("pässwörd");
    assert.equal(service.received[0].get("auth-pass"), String.fromCharCode(...bytes));
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() returns the unescaped Auth-User and Auth-Pass of an OK answer", async () => {
  const service = startAuthService(() =>
    reply({ ...OK, "Auth-User": "joe@example.com", "Auth-Pass": "p%25%20w" })
  );
  try {
    const answer = await askAuthHttp(mailServer(service.url), attempt());
    assert.deepEqual(answer, {
      kind: "ok",
      server: "127.0.0.1",
      port: 2525,
      user: "joe@example.com",
      pass: "p% w",
    });
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() accepts an IPv6 address or a host name as Auth-Server", async () => {
  const servers = ["[2001:db8::1]", "2001:db8::2", "smtp-1.backend.internal"];
  const service = startAuthService((_, index) =>
    reply({ ...OK, "Auth-Server": servers[index], "Auth-Port": "25" })
  );
  try {
    const answers = [];
    for (const _ of servers) answers.push(await askAuthHttp(mailServer(service.url), attempt()));
    assert.deepEqual(answers.map((a) => a.kind === "ok" ? `${a.server} ${a.port}` : a), [
      "2001:db8::1 25",
      "2001:db8::2 25",
      "smtp-1.backend.internal 25",
    ]);
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() returns refused with the message, error code and wait", async () => {
  const service = startAuthService(() =>
    reply({
      "Auth-Status": "Invalid login or password",
      "Auth-Wait": "3",
      "Auth-Error-Code": "535 5.7.8",
    })
  );
  try {
    const answer = await askAuthHttp(mailServer(service.url), attempt({ pass: "wrong" }));
    assert.deepEqual(answer, {
      kind: "refused",
      message: "Invalid login or password",
      code: "535 5.7.8",
      wait: 3,
    });
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() leaves out a zero wait and an error code that is not 4xx or 5xx", async () => {
  const answers: Record<string, string>[] = [
    { "Auth-Status": "Go away", "Auth-Wait": "0", "Auth-Error-Code": "250 2.0.0" },
    { "Auth-Status": "Go away", "Auth-Wait": "soon", "Auth-Error-Code": "535 5.7.8 extra" },
    { "Auth-Status": "Caf\u00c3\u00a9 ferm\u00c3\u00a9" }, // UTF-8 bytes as fetch gives them
  ];
  const service = startAuthService((_, index) => reply(answers[index]));
  try {
    const got = [];
    for (const _ of answers) got.push(await askAuthHttp(mailServer(service.url), attempt()));
    assert.deepEqual(got, [
      { kind: "refused", message: "Go away" },
      { kind: "refused", message: "Go away" },
      { kind: "refused", message: "Café fermé" },
    ]);
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() fails when the service answers a status other than 200", async () => {
  const statuses = [500, 204, 302];
  const service = startAuthService((_, index) =>
    reply({ ...OK, "Location": "http://127.0.0.1:1/" }, statuses[index])
  );
  try {
    for (const status of statuses) {
      const answer = await askAuthHttp(mailServer(service.url), attempt());
      assert.equal(answer.kind, "failed");
      assert.match(answer.kind === "failed" ? answer.why : "", new RegExp(`status ${status}$`));
    }
    assert.equal(service.received.length, 3);
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() fails without Auth-Status, or with a bad Auth-Server or Auth-Port", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ "Auth-Server": "127.0.0.1", "Auth-Port": "25" }, /has no Auth-Status$/],
    [{ "Auth-Status": "OK", "Auth-Port": "25" }, /without Auth-Server or Auth-Port$/],
    [{ "Auth-Status": "OK", "Auth-Server": "127.0.0.1" }, /without Auth-Server or Auth-Port$/],
    [{ ...OK, "Auth-Port": "25x" }, /invalid Auth-Port "25x"$/],
    [{ ...OK, "Auth-Port": "0" }, /invalid Auth-Port "0"$/],
    [{ ...OK, "Auth-Port": "70000" }, /invalid Auth-Port "70000"$/],
    [{ ...OK, "Auth-Port": "-25" }, /invalid Auth-Port "-25"$/],
    [{ ...OK, "Auth-Server": "999.1.1.1" }, /invalid Auth-Server "999\.1\.1\.1"$/],
    [{ ...OK, "Auth-Server": "mx example" }, /invalid Auth-Server "mx example"$/],
    [{ ...OK, "Auth-Server": "2001:db8::zz" }, /invalid Auth-Server "2001:db8::zz"$/],
    [{ ...OK, "Auth-Server": "[::1" }, /invalid Auth-Server "\[::1"$/],
  ];
  const service = startAuthService((_, index) => reply(cases[index][0]));
  try {
    for (const [headers, why] of cases) {
      const answer = await askAuthHttp(mailServer(service.url), attempt());
      assert.equal(answer.kind, "failed", JSON.stringify(headers));
      assert.match(answer.kind === "failed" ? answer.why : "", why);
    }
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() fails when the service answers later than auth_http_timeout", async () => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const service = startAuthService(async () => {
    await gate;
    return reply(OK);
  });
  try {
    const started = performance.now();
    const answer = await askAuthHttp(
      mailServer(service.url, { authHttpTimeout: 200 }),
      attempt({ pass: "hunter2" }),
    );
    const elapsed = performance.now() - started;
    assert.equal(answer.kind, "failed");
    const why = answer.kind === "failed" ? answer.why : "";
    assert.equal(why, `Cannot ask auth_http "${service.url}": no answer after 200 ms`);
    assert.ok(elapsed >= 199, `gave up after ${elapsed} ms`);
    assert.ok(elapsed < 10_000, `gave up after ${elapsed} ms`);
  } finally {
    release();
    await service.stop();
  }
});

Deno.test("askAuthHttp() fails without the credentials when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/auth`;
  listener.close();
  const answer = await askAuthHttp(mailServer(url), attempt({ user: "joe", pass: "hunter2" }));
  assert.equal(answer.kind, "failed");
  const why = answer.kind === "failed" ? answer.why : "";
  assert.ok(why.startsWith(`Cannot ask auth_http "${url}": `), why);
  assert.ok(!why.includes("hunter2"), why);
});

Deno.test("askAuthHttp() asks again after Auth-Wait seconds when the status is WAIT", async () => {
  const service = startAuthService((_, index) =>
    index === 0 ? reply({ "Auth-Status": "WAIT", "Auth-Wait": "0" }) : reply(OK)
  );
  try {
    const answer = await askAuthHttp(mailServer(service.url), attempt({ attempt: 2 }));
    assert.equal(answer.kind, "ok");
    assert.deepEqual(service.received.map((h) => h.get("auth-login-attempt")), ["2", "2"]);
  } finally {
    await service.stop();
  }
});

Deno.test("askAuthHttp() fails when the service keeps answering WAIT", async () => {
  const service = startAuthService(() => reply({ "Auth-Status": "WAIT" }));
  try {
    const answer = await askAuthHttp(mailServer(service.url), attempt());
    assert.equal(answer.kind, "failed");
    assert.match(answer.kind === "failed" ? answer.why : "", /answered "WAIT" 6 times in a row$/);
    assert.equal(service.received.length, AUTH_WAIT_ROUNDS + 1);
  } finally {
    await service.stop();
  }
});
