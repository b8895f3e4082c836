// Anchor `auth_http` service for bench/stream_mail.ts, asked by nginx's mail module and by
// `ngw2f proxy` alike: every attempt that carries a user and a password gets `Auth-Status: OK`
// and the SMTP sink's address; one without gets a refusal.
//
//   deno run -A bench/anchors/mail_auth.ts PORT SINK_PORT

const port = Number(Deno.args[0] ?? 9000);
const sinkPort = String(Deno.args[1] ?? 2525);

Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (request) => {
  const user = request.headers.get("auth-user");
  const pass = request.headers.get("auth-pass");
  if (!user || !pass) {
    return new Response(null, {
      headers: { "auth-status": "Invalid login or password", "auth-wait": "0" },
    });
  }
  return new Response(null, {
    headers: { "auth-status": "OK", "auth-server": "127.0.0.1", "auth-port": sinkPort },
  });
});
