// Finds every test/**/*.test.ts (Node 20's test runner does not expand globs) and runs them with
// node:test under tsx, one file at a time so tfjs backends and timings do not interfere.
import { spawnSync } from "child_process";
import { readdirSync, statSync } from "fs";
import { join, relative } from "path";

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const root = join(__dirname, "..");
const filters = process.argv.slice(2);
const files = findTests(join(root, "test"))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(res.status ?? 1);
