// serializeSends: a socket whose send throws "busy" while a previous send is pending (zeromq 6) no longer
// throws when sends are issued back to back; they run one at a time, in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { installKernelSendQueue, serializeSends } from "../../lib/notebook/iopub-queue";

class FakeSocket {
  busy = false;
  sent: string[] = [];
  send(msg: unknown): Promise<void> {
    if (this.busy) throw new Error("Socket is busy writing; only one send operation may be in progress at any time");
    this.busy = true;
    return new Promise((resolve) =>
      setTimeout(() => {
        this.busy = false;
        this.sent.push(String(msg));
        resolve();
      }, 5),
    );
  }
}

test("unwrapped, a second send while one is pending throws (the failure being fixed)", async () => {
  class Raw extends FakeSocket {}
  const s = new Raw();
  void s.send("a");
  assert.throws(() => s.send("b"), /Socket is busy writing/);
  await new Promise((r) => setTimeout(r, 20));
});

test("serializeSends queues sends per socket, in order, and wraps a class only once", async () => {
  class Sock extends FakeSocket {}
  assert.equal(serializeSends(Sock.prototype as never), true);
  assert.equal(serializeSends(Sock.prototype as never), false);
  const a = new Sock(),
    b = new Sock();
  for (let i = 0; i < 5; i++) {
    void a.send(`a${i}`);
    void b.send(`b${i}`);
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(a.sent, ["a0", "a1", "a2", "a3", "a4"]);
  assert.deepEqual(b.sent, ["b0", "b1", "b2", "b3", "b4"]);
  // idle again: the next send goes straight through and returns the socket's own promise
  await a.send("a5");
  assert.deepEqual(a.sent.slice(-1), ["a5"]);
});

test("a failing queued send is reported and does not block the queue", async () => {
  let fail = true;
  class Flaky extends FakeSocket {
    send(msg: unknown): Promise<void> {
      if (msg === "bad" && fail) {
        fail = false;
        return Promise.reject(new Error("boom"));
      }
      return super.send(msg);
    }
  }
  const errors: unknown[] = [];
  serializeSends(Flaky.prototype as never, (e) => errors.push(e));
  const s = new Flaky();
  void s.send("x");
  void s.send("bad");
  void s.send("y");
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(s.sent, ["x", "y"]);
  assert.equal(errors.length, 1);
});

test("outside a tslab kernel nothing is patched", () => {
  assert.equal(installKernelSendQueue(), "not-in-kernel");
});
