// Signing executed notebooks, so that Jupyter trusts them: an untrusted notebook's HTML outputs are shown
// without their scripts, which leaves every plot blank ("Not Trusted"). The signature goes into the user's
// Jupyter data dir (nbsignatures.db, keyed by notebook_secret), where the notebook server looks it up.
import { spawnSync } from "child_process";
import { existsSync, readFileSync } from "fs";
import { delimiter, join } from "path";

export interface SignResult {
  signed: boolean;
  /** One line: how it was signed, or why it could not be. */
  note: string;
}

/** The interpreter named on the first line of the `jupyter` script on PATH (Debian: /usr/bin/python3), if any. */
export function jupyterPython(env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const p = join(dir, "jupyter");
    if (!dir || !existsSync(p)) continue;
    try {
      const first = readFileSync(p, "utf8").slice(0, 200).split("\n")[0];
      const m = /^#!\s*(\S*python[\d.]*)\s*$/.exec(first);
      return m ? m[1] : null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Sign `path` for Jupyter: `jupyter trust` where it exists (pip installs), else nbformat's own signing with
 * the Python that runs Jupyter (Debian's jupyter-notebook has no `jupyter trust`), else with python3.
 */
export function signNotebook(path: string, env: NodeJS.ProcessEnv = process.env): SignResult {
  const py = jupyterPython(env);
  const tries: [string, string[]][] = [
    ["jupyter", ["trust", path]],
    ...(py ? [[py, ["-m", "nbformat.sign", path]] as [string, string[]]] : []),
    ["python3", ["-m", "nbformat.sign", path]],
  ];
  const failures: string[] = [];
  for (const [cmd, args] of tries) {
    const how = [cmd, ...args.slice(0, -1)].join(" ");
    const r = spawnSync(cmd, args, { env, encoding: "utf8", timeout: 60_000 });
    if (!r.error && r.status === 0 && /^(Signing notebook|Notebook already signed):/m.test(r.stdout)) {
      return { signed: true, note: `signed for Jupyter (${how})` };
    }
    const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split("\n").pop() || `exit ${r.status}`;
    failures.push(`${how}: ${why}`);
  }
  return {
    signed: false,
    note:
      `not signed, so Jupyter opens it as Not Trusted with its plots hidden until File > Trust Notebook ` +
      `(install Jupyter: apt-get install jupyter-notebook) — ${failures.join("; ")}`,
  };
}
