import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "crypto";
import { decodeMessage, DELIMITER, encodeMessage, newMessage, sign } from "../../lib/runner/jupyter-wire";

test("sign is HMAC-SHA256 over the concatenated parts (RFC 4231 test case 2)", () => {
  // key "Jefe", data "what do ya want for nothing?", split across parts as the four JSON frames are.
  assert.equal(
    sign("Jefe", ["what do ya ", "want ", Buffer.from("for nothing?")]),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
  assert.equal(sign("", ["anything"]), "", "empty key switches signing off");
});

test("encode/decode round trip, with a routing prefix, and the signature covers header..content", () => {
  const key = "k3y";
  const msg = newMessage("execute_request", { code: "1 + 1", silent: false }, "session-1");
  msg.parent_header = { msg_id: "parent" };
  const frames = encodeMessage(msg, key);
  assert.ok(frames[0].equals(DELIMITER));
  const parts = frames.slice(2, 6).map((f) => f.toString());
  const want = createHmac("sha256", key).update(parts.join("")).digest("hex");
  assert.equal(frames[1].toString(), want);

  const got = decodeMessage([Buffer.from("routing-id"), ...frames], key);
  assert.deepEqual(got.header, msg.header);
  assert.deepEqual(got.parent_header, { msg_id: "parent" });
  assert.deepEqual(got.content, { code: "1 + 1", silent: false });
  assert.equal(got.header.version, "5.3");
});

test("decode rejects tampered content, a wrong key and frames without delimiter", () => {
  const frames = encodeMessage(newMessage("status", { execution_state: "idle" }, "s"), "key");
  const tampered = [...frames];
  tampered[5] = Buffer.from(JSON.stringify({ execution_state: "busy" }));
  assert.throws(() => decodeMessage(tampered, "key"), /HMAC signature does not match/);
  assert.throws(() => decodeMessage(frames, "other"), /HMAC signature does not match/);
  assert.throws(() => decodeMessage(frames.slice(1), "key"), /no <IDS\|MSG> delimiter/);
  assert.throws(() => decodeMessage(frames.slice(0, 4), "key"), /frames after the delimiter/);
});
