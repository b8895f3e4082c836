import { testContext } from "../gateway/mod.ts";
import { RequestWrapper } from "./request.ts";

const request = new Request("http://example.com/products/42?sort=price&page=2&tag=a&tag=b", {
  headers: {
    accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "accept-language": "en-US,en;q=0.9,de;q=0.8",
    "accept-encoding": "gzip, deflate, br",
    cookie: "sid=3f2a9c; theme=dark; _ga=GA1.2.1234567890.1700000000; consent=yes",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "x-forwarded-for": "203.0.113.7, 10.0.0.3",
  },
});
const ctx = testContext({
  remoteAddr: { transport: "tcp", hostname: "10.0.0.2", port: 50000 },
});
const options = { trustedProxies: ["10.0.0.0/8"] };

Deno.bench("new RequestWrapper()", { group: "wrapper", baseline: true }, () => {
  new RequestWrapper(request, ctx);
});

Deno.bench("wrapper + path + args", { group: "wrapper" }, () => {
  const r = new RequestWrapper(request, ctx);
  r.path;
  r.args.get("page");
});

Deno.bench("wrapper + args + cookies + accept", { group: "wrapper" }, () => {
  const r = new RequestWrapper(request, ctx);
  r.args.getAll("tag");
  r.cookies.get("sid");
  r.accept.best(["text/html", "application/json"]);
});

Deno.bench("wrapper + remoteAddr behind a trusted proxy", { group: "wrapper" }, () => {
  new RequestWrapper(request, ctx, options).remoteAddr;
});
