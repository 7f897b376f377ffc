// scripts/setup.sh, the README's first command and .ci/run's set-up (issue 18): run against stub commands
// (id, sudo, dpkg-query, apt-get, npm) that log what they were asked, so nothing is installed. The real run on a
// fresh clone is by hand (README).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const root = join(__dirname, "..");
const script = join(root, "scripts", "setup.sh");
const PACKAGES = (() => {
  const m = readFileSync(script, "utf8").match(/^PACKAGES=\(([^)]*)\)$/m);
  assert.ok(m, "scripts/setup.sh has a PACKAGES=(...) line");
  return m[1].trim().split(/\s+/);
})();

interface Machine {
  uid: number;
  /** sudo: absent, asks for a password (sudo -n fails), or works without one. */
  sudo: "none" | "password" | "nopasswd";
  /** Debian packages not installed. */
  missing: string[];
  /** native/build-status.json's contents after `npm ci`. */
  native: { ok: boolean; reason: string; hint: string } | null;
}

function runSetup(machine: Machine, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "vaelab-setup-"));
  const bin = join(dir, "bin");
  const log = join(dir, "calls.txt");
  const nativeDir = join(dir, "native");
  mkdirSync(bin);
  mkdirSync(nativeDir);
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub("id", `[ "$1" = "-u" ] && echo ${machine.uid} || /usr/bin/id "$@"`);
  if (machine.sudo !== "none")
    stub(
      "sudo",
      `[ "$1" = "-n" ] && exit ${machine.sudo === "nopasswd" ? 0 : 1}\necho "sudo $*" >> "${log}"\nexec "$@"`,
    );
  // ${db:Status-Abbrev} is "ii " for an installed package
  stub("dpkg-query", `for p in ${machine.missing.join(" ") || "-"}; do [ "$p" = "$3" ] && exit 1; done\nprintf 'ii '`);
  stub("apt-get", `echo "apt-get $*" >> "${log}"`);
  const status = machine.native
    ? `cat > "${nativeDir}/build-status.json" <<'J'\n${JSON.stringify(machine.native)}\nJ`
    : "";
  stub("npm", `echo "npm $*" >> "${log}"\n${status}`);
  const r = spawnSync("bash", [script, ...args], {
    cwd: dir,
    encoding: "utf8",
    input: "", // not a terminal: sudo may not ask for a password
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, VAELAB_NATIVE_DIR: nativeDir },
  });
  return { code: r.status, out: r.stdout + r.stderr, calls: existsSync(log) ? readFileSync(log, "utf8") : "" };
}

const BUILT = { ok: true, reason: "built in 7.2 s", hint: "" };
const NOT_BUILT = {
  ok: false,
  reason: "OpenBLAS headers (cblas.h) not found",
  hint: "install a C++ compiler and OpenBLAS (Debian: apt-get install g++ make python3 libopenblas-dev), then run 'npm run build:native'",
};

test("as root: installs only the missing Debian packages, then npm ci, then prints the native engine's status", () => {
  const r = runSetup({ uid: 0, sudo: "none", missing: ["libopenblas-dev", "sox"], native: BUILT });
  assert.equal(r.code, 0, r.out);
  assert.equal(
    r.calls,
    "apt-get update -qq\napt-get install -y -qq --no-install-recommends libopenblas-dev sox\nnpm ci --no-audit --no-fund\n",
  );
  assert.match(r.out, /installing the missing Debian packages: libopenblas-dev sox/);
  assert.match(r.out, /native engine: built \(built in 7\.2 s\)/);
});

test("with password-less sudo: installs through sudo; with everything installed: no apt-get at all", () => {
  const s = runSetup({ uid: 1000, sudo: "nopasswd", missing: ["chromium"], native: BUILT });
  assert.equal(s.code, 0, s.out);
  assert.match(s.calls, /^sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq\napt-get update -qq\n/);
  assert.match(s.calls, /apt-get install -y -qq --no-install-recommends chromium\nnpm ci/);

  const all = runSetup({ uid: 1000, sudo: "none", missing: [], native: BUILT });
  assert.equal(all.code, 0, all.out);
  assert.equal(all.calls, "npm ci --no-audit --no-fund\n");
  assert.match(all.out, new RegExp(`all ${PACKAGES.length} Debian packages are installed`));
});

test("neither root nor sudo: says what it skips, what goes missing and how to install it; still runs npm ci", () => {
  const machine: Machine = {
    uid: 1000,
    sudo: "password",
    missing: ["g++", "libopenblas-dev", "chromium"],
    native: NOT_BUILT,
  };
  const r = runSetup(machine);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.calls, "npm ci --no-audit --no-fund\n", "no apt-get, no sudo asking for a password");
  assert.match(
    r.out,
    /skipping the Debian packages: not root and no usable sudo; missing: g\+\+ libopenblas-dev chromium/,
  );
  assert.match(r.out, /without g\+\+ make python3 libopenblas-dev: no native engine/);
  assert.match(r.out, /without chromium: figures are exported without PNGs/);
  assert.doesNotMatch(r.out, /without espeak-ng/, "only the groups that miss something");
  assert.match(r.out, /apt-get install --no-install-recommends g\+\+ libopenblas-dev chromium/);
  assert.match(r.out, /native engine: NOT built \(OpenBLAS headers \(cblas\.h\) not found\); training falls back/);

  // CI's form: a native engine that did not build fails the set-up
  const ci = runSetup(machine, ["--require-native"]);
  assert.equal(ci.code, 1, ci.out);
  assert.match(ci.out, /the native engine did not build \(--require-native\)/);
  assert.equal(runSetup(machine, ["--frobnicate"]).code, 2);
});

test(".ci/run, package.json, the README and the engine's hints all go through scripts/setup.sh and its package list", () => {
  for (const f of [script, join(root, ".ci", "run")]) {
    const r = spawnSync("bash", ["-n", f], { encoding: "utf8" });
    assert.equal(r.status, 0, `bash -n ${f}: ${r.stderr}`);
  }
  const ci = readFileSync(join(root, ".ci", "run"), "utf8");
  const steps = ci.split("\n").filter((l) => l && !l.startsWith("#") && !/^(set|cd) /.test(l));
  assert.deepEqual(steps, [
    "bash scripts/setup.sh --require-native",
    "npm run typecheck",
    "npm run format:check",
    "npm test",
  ]);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.setup, "bash scripts/setup.sh");
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const firstCommand = readme.split("## Set-up")[1].split("```sh\n")[1].split("\n")[0];
  assert.match(firstCommand, /^bash scripts\/setup\.sh\s/);
  // the packages the native build and the engine tell a user to install are among those setup.sh installs
  for (const f of ["scripts/build-native.js", "lib/engine/native/addon.ts"]) {
    const m = readFileSync(join(root, f), "utf8").match(/apt-get install ((?:[\w+.-]+ ?)+)/);
    assert.ok(m, `${f} names its apt-get packages`);
    for (const p of m[1].trim().split(" ")) assert.ok(PACKAGES.includes(p), `${f}: ${p} is in setup.sh's PACKAGES`);
  }
});
