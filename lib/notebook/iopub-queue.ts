// One send at a time per ZeroMQ socket inside the tslab kernel.
//
// tslab writes every output (stdout/stderr text, display data, status messages) with zeromq 6's
// `socket.send(frames)` without awaiting it. zeromq 6 allows one send in progress per socket and throws
// "Socket is busy writing; only one send operation may be in progress at any time" (synchronously) for a
// second one. A send usually completes at once, but on a loaded machine it can stay pending for a moment,
// and the next console.log or display update then throws inside the notebook's code — a training loop
// died that way minutes into a run, with nothing in the cell's output (the error message itself could not
// be sent either).
//
// The project's own kernel gets the same queue, and no high-water mark on its output socket, from the
// install-time patch (scripts/patch-tslab.js), which also covers output sent before a notebook's first cell
// runs; this runtime wrapper remains for tslab installs that patch did not reach (a kernel from a global tslab).
//
// serializeSends() wraps a socket class's send so that a send issued while another is pending waits for
// it (per socket, in order) instead of throwing. installKernelSendQueue() applies it to the zeromq module
// the running tslab kernel uses; startFigure() calls it, so every notebook gets it. Outside a kernel it does
// nothing.
import { createRequire } from "module";
import { tslabKernel } from "../train/progress";

type Send = (this: object, ...args: unknown[]) => Promise<void>;
const MARK = Symbol.for("vaelab.serializedSends");

/**
 * Make `proto.send` queue behind a pending send of the same socket instead of throwing. Returns false if
 * `proto` was already wrapped. Sends issued while none is pending go straight through (same as before).
 * A queued send's failure is swallowed after being reported to `onError` (nobody awaits tslab's sends).
 */
export function serializeSends(proto: { send: Send }, onError: (e: unknown) => void = () => undefined): boolean {
  const p = proto as { send: Send; [MARK]?: true };
  if (p[MARK]) return false;
  const original = p.send;
  const pending = new WeakMap<object, Promise<void>>();
  p.send = function (this: object, ...args: unknown[]): Promise<void> {
    const before = pending.get(this);
    const run = (): Promise<void> => original.apply(this, args);
    const settled = (x: Promise<void>) =>
      x.then(
        () => undefined,
        (e) => onError(e),
      );
    let result: Promise<void>;
    if (before) {
      result = before.then(run);
    } else {
      result = run(); // may throw synchronously exactly as before (nothing of ours is pending)
    }
    const tail = settled(result);
    pending.set(this, tail);
    void tail.then(() => {
      if (pending.get(this) === tail) pending.delete(this);
    });
    return before ? tail : result;
  };
  Object.defineProperty(p, MARK, { value: true });
  return true;
}

/** Serialise the sends of the zeromq sockets of the running tslab kernel. Returns what it did. */
export function installKernelSendQueue(): "installed" | "already" | "not-in-kernel" | "unavailable" {
  if (!tslabKernel()) return "not-in-kernel";
  try {
    const zmq = createRequire(require.resolve("tslab/package.json"))("zeromq") as { Publisher?: { prototype: object } };
    let proto: object | null = zmq.Publisher?.prototype ?? null;
    while (proto && !Object.prototype.hasOwnProperty.call(proto, "send")) proto = Object.getPrototypeOf(proto);
    if (!proto) return "unavailable";
    return serializeSends(proto as { send: Send }) ? "installed" : "already";
  } catch {
    return "unavailable";
  }
}
