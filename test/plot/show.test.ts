import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import { join } from "path";
import {
  show,
  resetPlotlyBundle,
  sinkFromTslabDisplay,
  figureSummary,
  rdCurve,
  plotlyBundlePath,
  PLOT_CLASS,
} from "../../lib/plot/index";
import type { DisplaySink, MimeBundle } from "../../lib/plot/index";

const root = join(__dirname, "..", "..");
const fig = rdCurve(
  [
    { rate: 1, distortion: 3 },
    { rate: 2, distortion: 1.5 },
    { rate: 4, distortion: 1 },
  ],
  { title: "RD </script> test" },
);
const bundleMarker = readFileSync(plotlyBundlePath(), "utf8")
  .slice(0, 400)
  .match(/plotly\.js v[\d.]+/)![0];
const count = (s: string, sub: string) => s.split(sub).length - 1;

function fakeSink(): DisplaySink & { out: MimeBundle[] } {
  const out: MimeBundle[] = [];
  return {
    out,
    display: (b: MimeBundle) => {
      out.push(b);
    },
  };
}

test("the plotly bundle is emitted exactly once per sink; every call emits its own div and draw call", () => {
  const sink = fakeSink();
  show(fig, { sink, id: "p-one" });
  show(fig, { sink, id: "p-two" });
  assert.equal(sink.out.length, 2);
  const [a, b] = sink.out.map((o) => o["text/html"]);
  assert.equal(count(a, bundleMarker), 1, "first output carries the bundle");
  assert.equal(count(b, bundleMarker), 0, "second output does not");
  assert.ok(a.length > 1_000_000 && b.length < 50_000, `sizes ${a.length}, ${b.length}`);
  // bundle is neutralised against RequireJS and guarded against a second load
  assert.match(a, /if \(!window\.Plotly\) \{ \(function \(define, module, exports, require\) \{/);
  for (const [html, id] of [
    [a, "p-one"],
    [b, "p-two"],
  ]) {
    assert.equal(count(html, `<div id="${id}" class="${PLOT_CLASS}"`), 1);
    assert.equal(count(html, "P.newPlot(el, fig.data, fig.layout, config)"), 1);
    assert.ok(html.includes(`var id = "${id}"`));
  }
  // the title's "</script>" must not close the script early (only the real closing tags remain)
  assert.equal(count(b, "</script>"), 1);
  assert.ok(b.includes("RD <\\/script> test"));
  // the text summary is in the HTML too, visible where no script runs (an untrusted notebook)
  assert.ok(
    b.includes(`<pre id="p-two-text" class="vaelab-plot-text">plot &quot;RD &lt;/script&gt; test&quot;: 3 traces`),
  );
  // text/plain fallback travels in the same message
  assert.match(sink.out[0]["text/plain"], /^plot "RD <\/script> test": 3 traces \(scatter×3\); x: rate R \(nats\)/);
  assert.match(sink.out[0]["text/plain"], /running mean/);

  // a new sink (another front end) gets the bundle again; reset forces it for the same sink
  const other = fakeSink();
  show(fig, { sink: other });
  assert.equal(count(other.out[0]["text/html"], bundleMarker), 1);
  resetPlotlyBundle(sink);
  show(fig, { sink });
  assert.equal(count(sink.out[2]["text/html"], bundleMarker), 1);
});

test("default ids are distinct and carry the class; tslab-style displays are adapted", () => {
  const html: string[] = [];
  const sink = sinkFromTslabDisplay({ html: (s) => html.push(s) });
  show(fig, { sink });
  show(fig, { sink });
  const ids = html.map((h) => /<div id="([^"]+)" class="vaelab-plot"/.exec(h)![1]);
  assert.equal(ids.length, 2);
  assert.notEqual(ids[0], ids[1]);
  for (const id of ids) assert.match(id, /^vaelab-plot-[0-9a-z]+-\d+$/);
  assert.equal(count(html.join(""), bundleMarker), 1);
});

test("a sink that cannot display falls back to the console summary and keeps the bundle pending", () => {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: string) => lines.push(s);
  const accepted: MimeBundle[] = [];
  let ready = false;
  const flaky: DisplaySink = { display: (b) => (ready ? (accepted.push(b), true) : false) };
  try {
    show(fig, { sink: flaky });
  } finally {
    console.log = orig;
  }
  assert.deepEqual(lines, [`vaelab ${figureSummary(fig)}`]);
  ready = true;
  show(fig, { sink: flaky });
  assert.equal(
    count(accepted[0]["text/html"], bundleMarker),
    1,
    "the bundle was not marked as sent by the refused call",
  );
  assert.throws(() => show({} as never), /expected a figure/);
});

test("outside a kernel (plain tsx) show() prints one line and does not crash", () => {
  const code = `import { show, rdCurve } from "./lib/plot/index";
show(rdCurve([{ rate: 1, distortion: 2 }, { rate: 2, distortion: 1 }], { title: "t" }));
console.log("after");`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), [
    'vaelab plot "t": 3 traces (scatter×3); x: rate R (nats); y: distortion D (nats)',
    "after",
  ]);
});

test("inside tslab's executor, show() reaches the kernel's display with text/html + text/plain, bundle once", () => {
  // Drive tslab's own converter (TypeScript 5.0.4) and executor, as the kernel does, with a stand-in
  // for the Jupyter connection; this also checks that lib/plot compiles under tslab.
  const script = `
const { createConverter } = require("tslab/dist/converter");
const { createExecutor } = require("tslab/dist/executor");
const jupyter = require("tslab/dist/jupyter");
const out = [];
jupyter.lastWriteDisplayData = (msg, update) => out.push({ mimes: Object.keys(msg.data).sort(), len: msg.data["text/html"].length, update });
const node = createConverter({ isJS: false, isBrowser: false });
const ex = createExecutor(process.cwd(), { node, browser: node, close() {} }, { log: console.log, error: console.error });
(async () => {
  const ok1 = await ex.execute('import { show, rdCurve } from "./lib/plot/index";\\nconst f = rdCurve([{rate: 1, distortion: 2}, {rate: 2, distortion: 1}]);\\nshow(f);');
  const ok2 = await ex.execute('show(f);');
  node.close();
  process.stdout.write("RESULT " + JSON.stringify({ ok1, ok2, out }) + "\\n");
  process.exit(0);
})();`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 60_000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  assert.ok(line, `no result; stdout=${r.stdout.slice(0, 2000)} stderr=${r.stderr.slice(0, 2000)}`);
  const res = JSON.parse(line.slice(7)) as {
    ok1: boolean;
    ok2: boolean;
    out: { mimes: string[]; len: number; update: boolean }[];
  };
  assert.ok(res.ok1 && res.ok2, r.stdout + r.stderr);
  assert.equal(res.out.length, 2);
  for (const o of res.out) {
    assert.deepEqual(o.mimes, ["text/html", "text/plain"]);
    assert.equal(o.update, false);
  }
  assert.ok(res.out[0].len > 1_000_000, "first output carries the bundle");
  assert.ok(res.out[1].len < 50_000, "second output does not");
});
