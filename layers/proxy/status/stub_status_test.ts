import assert from "node:assert/strict";
import { stubStatusReply, stubStatusText } from "./stub_status.ts";

const STATS = {
  active: 2,
  accepted: 10,
  handled: 10,
  requests: 20,
  reading: 0,
  writing: 1,
  waiting: 1,
};

Deno.test("stubStatusText() matches nginx's spacing exactly", () => {
  assert.equal(
    stubStatusText(STATS),
    "Active connections: 2 \nserver accepts handled requests\n 10 10 20 \nReading: 0 Writing: 1 Waiting: 1 \n",
  );
});

Deno.test("stubStatusReply() answers 200 text/plain with the page", () => {
  const reply = stubStatusReply({ ...STATS, active: 1234567, requests: 9876543210 });
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.headers, ["Content-Type", "text/plain"]);
  const text = new TextDecoder().decode(reply.body as Uint8Array);
  assert.equal(text.split("\n")[0], "Active connections: 1234567 ");
  assert.equal(text.split("\n")[2], " 10 10 9876543210 ");
});
