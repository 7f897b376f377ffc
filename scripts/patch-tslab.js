#!/usr/bin/env node
// Patches three races in tslab 1.0.22. Runs at `npm install`/`npm ci` (postinstall); idempotent; each patch
// refuses to touch code it does not recognise (a tslab upgrade must be looked at by a person).
//
// 1. converter.js: tslab replaces TypeScript's debounce timer with a single slot and throws "Unexpected
//    pending rebuildTimer" when a second update is scheduled before the first ran, so a source file
//    changing on disk while a cell runs broke the next cell. A setTimeout/clearTimeout-like slot simply
//    replaces the pending update (the update, "rebuild the program", is idempotent).
// 2. jupyter.js: the kernel starts its receive loops and only then binds its five ZeroMQ sockets, all at
//    once. A client's first kernel_info_request can arrive while a socket is still binding; the receive
//    (or the status publish) then throws "Socket is blocked by a bind or unbind operation" (EBUSY), the
//    shell loop dies and the kernel never answers (our notebook tests saw it as a start-up timeout). The
//    patch binds the sockets before the loops start.
// 3. jupyter.js: every output (console.log, process.stdout/stderr.write, displays) is sent with ZeroMQ's
//    send() without waiting; when the socket cannot take a message at once (a burst of output, or output
//    written while a long synchronous computation keeps the event loop busy) the next send throws
//    "Socket is busy writing" inside the user's code: a child process writing to stderr made
//    execFileSync throw it (the speech stand-in build), a progress bar killed a training cell, and the
//    runner saw "an error without a message" with later outputs lost. The patch keeps one send in flight
//    per socket and queues the rest in order, and lifts the iopub publisher's high-water mark, beyond which
//    ZeroMQ silently drops messages when the reader falls behind a burst (lib/runner lifts its own too).
const fs = require("fs");
const path = require("path");

const dist = path.join(__dirname, "..", "node_modules", "tslab", "dist");

const PATCHES = [
  {
    name: "rebuild timer",
    file: process.env.VAELAB_TSLAB_CONVERTER || path.join(dist, "converter.js"),
    mark: "/* vaelab: pending rebuild replaced */",
    edits: [
      {
        from: `        if (rebuildTimer) {
            throw new Error("Unexpected pending rebuildTimer");
        }`,
        to: "        /* vaelab: pending rebuild replaced */",
      },
      {
        from: `        throw new Error("clearing unexpected tiemr");`,
        to: "        /* vaelab: clearing a timer that already ran is a no-op */",
      },
    ],
    done: "a file changed during a cell no longer breaks the next cell",
  },
  {
    name: "socket binding",
    file: process.env.VAELAB_TSLAB_JUPYTER || path.join(dist, "jupyter.js"),
    mark: "/* vaelab: sockets bound before the receive loops start */",
    edits: [
      {
        from: "        this.hb = new zmq.Reply();\n",
        to: `        this.hb = new zmq.Reply();
        /* vaelab: sockets bound before the receive loops start */
        await Promise.all([
            this.bindSocket(this.iopub, cinfo.iopub_port),
            this.bindSocket(this.shell, cinfo.shell_port),
            this.bindSocket(this.control, cinfo.control_port),
            this.bindSocket(this.stdin, cinfo.stdin_port),
            this.bindSocket(this.hb, cinfo.hb_port),
        ]);
`,
      },
      {
        from: `        })();
        await Promise.all([
            this.bindSocket(this.iopub, cinfo.iopub_port),
            this.bindSocket(this.shell, cinfo.shell_port),
            this.bindSocket(this.control, cinfo.control_port),
            this.bindSocket(this.stdin, cinfo.stdin_port),
            this.bindSocket(this.hb, cinfo.hb_port),
        ]);
    }`,
        to: `        })();
    }`,
      },
    ],
    done: "the kernel binds its sockets before it reads from them",
  },
  {
    name: "send queue",
    file: process.env.VAELAB_TSLAB_JUPYTER || path.join(dist, "jupyter.js"),
    mark: "/* vaelab: sends queued while the socket is busy */",
    edits: [
      {
        // A publisher drops messages beyond its high-water mark (1000) when the reader falls behind a burst.
        from: "        this.iopub = new zmq.Publisher();\n",
        to: "        this.iopub = new zmq.Publisher({ sendHighWaterMark: 0 });\n",
      },
      {
        from: `        heads.push(hash.digest("hex"));
        sock.send(heads.concat(bodies));
    }`,
        to: `        heads.push(hash.digest("hex"));
        /* vaelab: sends queued while the socket is busy */
        // One send in flight per socket, the rest queued in order; ZeroMQ sockets are sealed objects, so the
        // queues live in a WeakMap.
        const queues = globalThis.vaelabSendQueues || (globalThis.vaelabSendQueues = new WeakMap());
        let q = queues.get(sock);
        if (!q)
            queues.set(sock, (q = { pending: [], pumping: false }));
        q.pending.push(heads.concat(bodies));
        if (q.pumping)
            return;
        q.pumping = true;
        (async () => {
            while (q.pending.length > 0) {
                try {
                    await sock.send(q.pending[0]);
                    q.pending.shift();
                }
                catch (e) {
                    if (/busy/i.test(String(e && e.message))) {
                        await new Promise((r) => setTimeout(r, 1));
                        continue;
                    }
                    q.pending.shift();
                    require("fs").writeSync(2, \`tslab: message dropped: \${e && e.message}\\n\`);
                }
            }
            q.pumping = false;
        })();
    }`,
      },
    ],
    done: "output bursts and output during long synchronous code are queued, not thrown into the cell",
  },
];

function apply(p) {
  if (!fs.existsSync(p.file)) {
    console.log(`patch-tslab: ${p.file} not found; nothing to patch`);
    return 0;
  }
  let src = fs.readFileSync(p.file, "utf8");
  if (src.includes(p.mark)) {
    console.log(`patch-tslab: ${p.name}: already patched`);
    return 0;
  }
  const missing = p.edits.filter((e) => !src.includes(e.from));
  if (missing.length) {
    console.error(
      `patch-tslab: ${p.name}: ${p.file} does not contain the expected code (tslab version changed?); not patched`,
    );
    return 1;
  }
  for (const e of p.edits) src = src.replace(e.from, e.to);
  fs.writeFileSync(p.file, src);
  console.log(`patch-tslab: ${p.name}: patched (${p.done})`);
  return 0;
}

// With one of the override variables set (tests), patch only that file.
const only = process.env.VAELAB_TSLAB_CONVERTER
  ? [PATCHES[0]]
  : process.env.VAELAB_TSLAB_JUPYTER
    ? PATCHES.filter((p) => p.file === process.env.VAELAB_TSLAB_JUPYTER)
    : PATCHES;
process.exit(only.map(apply).reduce((a, b) => Math.max(a, b), 0));
