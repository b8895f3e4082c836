// Hot path of the access log: what each request pays to become one line.
import { type AccessEntry, createAccessFormatter } from "./logging.ts";

const entry: AccessEntry = {
  remoteAddr: { transport: "tcp", hostname: "10.0.0.7", port: 4242 },
  request: new Request("http://localhost:8000/hello?x=1", {
    headers: { "user-agent": "wrk", referer: "http://localhost/", "x-request-id": "abc" },
  }),
  protocol: "HTTP/1.1",
  status: 200,
  bytes: 14,
  time: new Date(),
  durationMs: 0.42,
  workerId: 1,
  responseHeaders: new Headers({ "content-type": "text/plain" }),
};

const combined = createAccessFormatter("combined");
const json = createAccessFormatter("json");
const gunicornDefault = createAccessFormatter(
  '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
);
const gunicornAllAtoms = createAccessFormatter(
  '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(m)s %(U)s %(q)s %(H)s %(s)s %(B)s %(b)s "%(f)s" "%(a)s" ' +
    "%(T)s %(M)s %(D)s %(L)s %(p)s %({x-request-id}i)s %({content-type}o)s",
);

Deno.bench("combined", { group: "access format", baseline: true }, () => {
  combined(entry);
});

Deno.bench("json", { group: "access format" }, () => {
  json(entry);
});

Deno.bench("gunicorn default format", { group: "access format" }, () => {
  gunicornDefault(entry);
});

Deno.bench("gunicorn, every atom", { group: "access format" }, () => {
  gunicornAllAtoms(entry);
});

Deno.bench("compile a gunicorn format (once per boot)", () => {
  createAccessFormatter('%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"');
});
