// A minimal Jupyter client for the project's own tslab kernel: starts the kernel process with a
// generated connection file, talks to it over ZeroMQ (shell + control DEALER, iopub SUB) and shuts
// it down again, killing it if it does not exit. No Python, no jupyter_client.
import { ChildProcess, spawn } from "child_process";
import { randomBytes, randomUUID } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { createRequire } from "module";
import { AddressInfo, createServer, Server } from "net";
import { tmpdir } from "os";
import { dirname, join } from "path";
import { decodeMessage, encodeMessage, JupyterMessage, newMessage } from "./jupyter-wire";

/** The parts of zeromq 6's socket API that we use (loaded at run time from tslab's own dependency). */
interface ZmqSocket {
  connect(address: string): void;
  close(): void;
  send(frames: Buffer[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  readonly closed: boolean;
}
interface ZmqSubscriber extends ZmqSocket {
  subscribe(...prefixes: string[]): void;
}
interface ZmqModule {
  Dealer: new (options?: { linger?: number }) => ZmqSocket;
  Subscriber: new (options?: { linger?: number; receiveHighWaterMark?: number }) => ZmqSubscriber;
}

/** Path of node_modules/tslab/bin/tslab, resolved from this project. */
export function tslabBinPath(): string {
  return join(dirname(require.resolve("tslab/package.json")), "bin", "tslab");
}

/** zeromq as tslab itself loads it, so client and kernel always use the same native build. */
function loadZmq(): ZmqModule {
  return createRequire(require.resolve("tslab/package.json"))("zeromq") as ZmqModule;
}

export interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

/** `n` distinct free TCP ports on the loopback interface (held open together so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve());
      });
      ports.push((s.address() as AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

export interface KernelStartOptions {
  /** Working directory of the kernel; tslab resolves relative imports from here (use the notebook's folder). */
  cwd: string;
  /** Environment of the kernel process (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Give up if the kernel does not answer kernel_info_request within this time (default 60 s). */
  startupTimeoutMs?: number;
}

/** Raised when the kernel process exits while we wait for it. */
export class KernelDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelDiedError";
  }
}

/** Raised when a request (or a cell) does not finish in time. */
export class KernelTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelTimeoutError";
  }
}

export interface ExecuteOutcome {
  /** content of execute_reply: status "ok" | "error" | "abort", execution_count, maybe ename/evalue/traceback. */
  reply: { status: string; execution_count?: number | null; ename?: string; evalue?: string; traceback?: string[] };
  /** Wall time from sending the request to the kernel going idle, seconds. */
  seconds: number;
  /** When the kernel went busy and idle (ISO strings), for cell metadata. */
  started: string;
  finished: string;
}

type Waiter = { resolve: (m: JupyterMessage) => void; reject: (e: Error) => void };

// Kernels still alive when this process exits get killed (no orphans left holding ports).
const liveKernels = new Set<KernelClient>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const k of liveKernels) k.killNow();
  });
}

/** A running tslab kernel and the sockets connected to it. Create with KernelClient.start(). */
export class KernelClient {
  readonly session = randomUUID();
  private readonly shell: ZmqSocket;
  private readonly control: ZmqSocket;
  private readonly iopub: ZmqSubscriber;
  private readonly replyWaiters = new Map<string, Waiter>();
  private readonly iopubListeners = new Map<string, (m: JupyterMessage) => void>();
  private readonly logTail: string[] = [];
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;
  private closed = false;
  private protocolError: Error | null = null;
  /** Set when a cell timed out: the kernel may be stuck in a synchronous loop, so skip the polite shutdown. */
  private unresponsive = false;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly conn: ConnectionInfo,
    private readonly tempDir: string,
  ) {
    const zmq = loadZmq();
    this.shell = new zmq.Dealer({ linger: 0 });
    this.control = new zmq.Dealer({ linger: 0 });
    // No high-water mark: a burst of outputs beyond 1000 messages would otherwise be dropped.
    this.iopub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 });
    const addr = (port: number) => `${conn.transport}://${conn.ip}:${port}`;
    this.iopub.subscribe();
    this.iopub.connect(addr(conn.iopub_port));
    this.shell.connect(addr(conn.shell_port));
    this.control.connect(addr(conn.control_port));
    this.exited = new Promise((resolve) => {
      proc.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        liveKernels.delete(this);
        const err = new KernelDiedError(`tslab kernel exited (${this.describeExit()})${this.logSuffix()}`);
        for (const w of this.replyWaiters.values()) w.reject(err);
        this.replyWaiters.clear();
        resolve();
      });
    });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) this.logTail.push(line);
      if (this.logTail.length > 40) this.logTail.splice(0, this.logTail.length - 40);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    void this.receiveLoop(this.shell, (m) => this.onReply(m));
    void this.receiveLoop(this.control, (m) => this.onReply(m));
    void this.receiveLoop(this.iopub, (m) => this.onIopub(m));
  }

  /** Start `node node_modules/tslab/bin/tslab kernel` in `cwd` and wait until shell and iopub both answer. */
  static async start(opts: KernelStartOptions): Promise<KernelClient> {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const conn: ConnectionInfo = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      key: randomBytes(32).toString("hex"),
      signature_scheme: "hmac-sha256",
      kernel_name: "tslab",
    };
    const tempDir = mkdtempSync(join(tmpdir(), "vaelab-kernel-"));
    const connFile = join(tempDir, "connection.json");
    writeFileSync(connFile, JSON.stringify(conn, null, 1), { mode: 0o600 });
    // Own process group (detached) so that shutdown can kill anything the kernel started.
    const proc = spawn(process.execPath, [tslabBinPath(), "kernel", "--config-path", connFile], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const client = new KernelClient(proc, conn, tempDir);
    liveKernels.add(client);
    installExitHook();
    try {
      await client.waitReady(opts.startupTimeoutMs ?? 60_000);
    } catch (e) {
      await client.shutdown();
      throw e;
    }
    return client;
  }

  /** Process id of the kernel (its process group id too). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** True once the kernel process has exited. */
  get isDead(): boolean {
    return this.exitInfo !== null;
  }

  /** Last lines the kernel process wrote to its own stdout/stderr (not the notebook's outputs). */
  recentLog(): string {
    return this.logTail.join("\n");
  }

  /**
   * Execute `code` and pass every iopub message of this request to `onIopub`; resolves when the
   * execute_reply has arrived and the kernel has gone idle. Rejects with KernelTimeoutError after
   * `timeoutMs` (0 = no limit) or KernelDiedError if the kernel exits.
   */
  async execute(code: string, onIopub: (m: JupyterMessage) => void, timeoutMs = 0): Promise<ExecuteOutcome> {
    const msg = newMessage(
      "execute_request",
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      this.session,
    );
    const id = msg.header.msg_id;
    const t0 = Date.now();
    let started = new Date(t0).toISOString();
    let finished = started;
    let idle!: () => void;
    const idleSeen = new Promise<void>((r) => (idle = r));
    let lastIopub = Date.now();
    this.iopubListeners.set(id, (m) => {
      lastIopub = Date.now();
      if (m.header.msg_type === "status") {
        if (m.content.execution_state === "busy") started = m.header.date ?? new Date().toISOString();
        if (m.content.execution_state === "idle") {
          finished = m.header.date ?? new Date().toISOString();
          idle();
        }
        return;
      }
      onIopub(m);
    });
    try {
      const work = (async () => {
        const reply = await this.request(this.shell, msg);
        // Outputs travel on iopub, which is not ordered with shell: wait for idle, which the kernel sends after
        // the cell's last output. A burst of output can still be arriving (tslab queues it, see
        // scripts/patch-tslab.js), so give up only after 5 s without any message, in case idle was lost.
        let idleArrived = false;
        void idleSeen.then(() => (idleArrived = true));
        while (!idleArrived && Date.now() - lastIopub < 5_000) await Promise.race([idleSeen, delay(100)]);
        return reply;
      })();
      const reply = await withTimeout(work, timeoutMs, () => {
        this.replyWaiters.delete(id);
        this.unresponsive = true;
        return new KernelTimeoutError(`cell did not finish within ${timeoutMs / 1000} s`);
      });
      return { reply: reply.content, seconds: (Date.now() - t0) / 1000, started, finished };
    } finally {
      this.iopubListeners.delete(id);
    }
  }

  /** Ask the kernel for kernel_info (used as the readiness handshake). */
  async kernelInfo(timeoutMs = 10_000): Promise<JupyterMessage> {
    const msg = newMessage("kernel_info_request", {}, this.session);
    return withTimeout(this.request(this.shell, msg), timeoutMs, () => {
      this.replyWaiters.delete(msg.header.msg_id);
      return new KernelTimeoutError(`no kernel_info_reply within ${timeoutMs / 1000} s`);
    });
  }

  /**
   * Stop the kernel: shutdown_request on control, then SIGTERM and SIGKILL to its process group if it
   * is still running. Always closes the sockets and removes the connection file. Safe to call twice.
   */
  async shutdown(): Promise<void> {
    if (!this.isDead && !this.protocolError && !this.unresponsive) {
      try {
        const msg = newMessage("shutdown_request", { restart: false }, this.session);
        await withTimeout(this.request(this.control, msg), 2_000, () => new KernelTimeoutError("shutdown"));
      } catch {
        // A dead or stuck kernel is killed below.
      }
    }
    if (!(await this.waitExit(this.unresponsive ? 0 : 2_000))) {
      this.signal("SIGTERM");
      if (!(await this.waitExit(2_000))) {
        this.signal("SIGKILL");
        await this.waitExit(5_000);
      }
    }
    this.closeSockets();
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  /** Synchronous last resort (process exit hook): SIGKILL the kernel's process group. */
  killNow(): void {
    this.signal("SIGKILL");
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // The SUB socket only receives once its subscription has reached the kernel ("slow joiner"), so
    // repeat kernel_info_request until one of them is also seen on iopub (its busy/idle status).
    let seenOnIopub = false;
    while (Date.now() < deadline) {
      if (this.isDead)
        throw new KernelDiedError(`tslab kernel exited during start-up (${this.describeExit()})${this.logSuffix()}`);
      const msg = newMessage("kernel_info_request", {}, this.session);
      this.iopubListeners.set(msg.header.msg_id, () => (seenOnIopub = true));
      try {
        await withTimeout(this.request(this.shell, msg), Math.max(1, Math.min(2_000, deadline - Date.now())), () => {
          this.replyWaiters.delete(msg.header.msg_id);
          return new KernelTimeoutError("kernel_info");
        });
        for (let i = 0; i < 20 && !seenOnIopub; i++) await delay(25);
        if (seenOnIopub) return;
      } catch (e) {
        if (!(e instanceof KernelTimeoutError)) throw e;
      } finally {
        // Keep listening a little: a late iopub status still proves the subscription works.
        setTimeout(() => this.iopubListeners.delete(msg.header.msg_id), 3_000).unref();
      }
      if (seenOnIopub) return;
    }
    throw new KernelTimeoutError(`tslab kernel did not become ready within ${timeoutMs / 1000} s${this.logSuffix()}`);
  }

  private request(sock: ZmqSocket, msg: JupyterMessage): Promise<JupyterMessage> {
    if (this.protocolError) return Promise.reject(this.protocolError);
    if (this.isDead) return Promise.reject(new KernelDiedError(`tslab kernel is not running (${this.describeExit()})`));
    return new Promise((resolve, reject) => {
      this.replyWaiters.set(msg.header.msg_id, { resolve, reject });
      sock.send(encodeMessage(msg, this.conn.key)).catch((e: Error) => {
        this.replyWaiters.delete(msg.header.msg_id);
        reject(e);
      });
    });
  }

  private onReply(m: JupyterMessage): void {
    const id = m.parent_header.msg_id;
    if (!id) return;
    const w = this.replyWaiters.get(id);
    if (!w) return; // e.g. a second reply to a repeated kernel_info_request
    this.replyWaiters.delete(id);
    w.resolve(m);
  }

  private onIopub(m: JupyterMessage): void {
    const id = m.parent_header.msg_id;
    if (id) this.iopubListeners.get(id)?.(m);
  }

  private async receiveLoop(sock: ZmqSocket, handle: (m: JupyterMessage) => void): Promise<void> {
    while (!sock.closed) {
      let frames: Buffer[];
      try {
        frames = await sock.receive();
      } catch {
        return; // socket closed
      }
      try {
        handle(decodeMessage(frames, this.conn.key));
      } catch (e) {
        // A message we cannot verify means the channel cannot be trusted: fail whatever waits.
        this.protocolError = e as Error;
        for (const w of this.replyWaiters.values()) w.reject(e as Error);
        this.replyWaiters.clear();
      }
    }
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.isDead || this.proc.pid === undefined) return;
    try {
      process.kill(-this.proc.pid, sig); // the whole group (detached spawn)
    } catch {
      try {
        this.proc.kill(sig);
      } catch {
        // already gone
      }
    }
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (this.isDead) return true;
    await Promise.race([this.exited, delay(ms)]);
    return this.isDead;
  }

  private closeSockets(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.control, this.iopub]) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
    liveKernels.delete(this);
  }

  private describeExit(): string {
    if (!this.exitInfo) return "still running";
    return this.exitInfo.signal ? `signal ${this.exitInfo.signal}` : `exit code ${this.exitInfo.code}`;
  }

  private logSuffix(): string {
    return this.logTail.length ? `; kernel log:\n${this.recentLog()}` : "";
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Race `p` against a timer (ms <= 0: no limit); the timer never keeps the process alive. */
function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!(ms > 0)) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
