// Headless Chromium started with CHROMIUM_ARGS (PNG export, browser tests) makes no network request: its net log
// (--log-net-log) shows no DNS query, no UDP packet, and TCP connections only to loopback, while a file:// page and
// a page on 127.0.0.1 (the Jupyter browser test's server) still load. Before the host-resolver rule, Debian's
// Chromium looked up clients2.google.com, update.googleapis.com and accounts.google.com at every launch (issue 18).
// Skipped without Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { createServer } from "http";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import { join } from "path";
import { pathToFileURL } from "url";
import { CHROMIUM_ARGS, findChromium } from "../../lib/plot/png";

const chromium = findChromium();

interface NetLog {
  constants: { logEventTypes: Record<string, number> };
  events: { type: number; params?: Record<string, unknown> }[];
}

test(
  "Chromium with CHROMIUM_ARGS: no DNS query, no packet to another host; file:// and loopback pages load",
  { skip: chromium ? false : "no Chromium installed" },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "vaelab-netlog-"));
    const server = createServer((_, res) => res.end("<!doctype html><title>local</title><p>from loopback</p>"));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as AddressInfo).port;
    const page = join(dir, "page.html");
    writeFileSync(page, "<!doctype html><title>file</title><p>from file</p>");
    const logFile = join(dir, "net-log.json");
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const pw = require("playwright-core") as typeof import("playwright-core");
    const ctx = await pw.chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: chromium!,
      headless: true,
      args: [...CHROMIUM_ARGS, `--log-net-log=${logFile}`],
    });
    try {
      const p = await ctx.newPage();
      await p.goto(pathToFileURL(page).href);
      assert.equal(await p.textContent("p"), "from file");
      await p.goto(`http://127.0.0.1:${port}/`);
      assert.equal(await p.textContent("p"), "from loopback");
      // Chromium's services start their requests within ~100 ms of launch; give them time to show.
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await ctx.close(); // writes the rest of the net log
      server.close();
    }
    const log = JSON.parse(readFileSync(logFile, "utf8")) as NetLog;
    rmSync(dir, { recursive: true, force: true });
    const name = new Map(Object.entries(log.constants.logEventTypes).map(([k, v]) => [v, k]));
    const of = (...types: string[]) => log.events.filter((e) => types.includes(name.get(e.type) ?? ""));
    // an event's start carries its parameters, its end none
    const param = (key: string, ...types: string[]) =>
      of(...types).flatMap((e) => (e.params?.[key] === undefined ? [] : [String(e.params[key])]));
    const hosts = [...new Set(param("host", "HOST_RESOLVER_MANAGER_REQUEST"))];

    const lookups = of("HOST_RESOLVER_DNS_TASK", "HOST_RESOLVER_SYSTEM_TASK", "DNS_TRANSACTION_QUERY");
    assert.equal(lookups.length, 0, `DNS look-ups happened; hosts asked for: ${hosts.join(", ")}`);
    // (A UDP_CONNECT to Google's DNS address is Chromium's IPv6 reachability probe: connect() on UDP sends nothing.)
    assert.equal(of("UDP_BYTES_SENT").length, 0, "a UDP packet was sent");
    const connects = param("address", "TCP_CONNECT_ATTEMPT");
    assert.ok(connects.length > 0, "the net log records the loopback page's connection");
    for (const a of connects) assert.match(a, /^127\.0\.0\.1:\d+$/, `TCP connection to ${a}`);
  },
);
