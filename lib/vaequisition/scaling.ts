// Per-column standardisation between data units (dB HL, years) and the units a partial VAE is trained in.
// The scaler is plain JSON (it is part of a run's key). Densities convert with the Jacobian:
// log p_data(x_d) = log p_model((x_d − m_d)/s_d) − log s_d, so NLLs and partial ELBOs reported in data units
// add Σ log s_d over the dimensions they count.
import type { Matrix } from "../data/dataset";

export interface Scaler {
  mean: number[];
  sd: number[];
}

/** Column means and sds (population, ignoring NaN) of the given rows; sd floored at `minSd`. */
export function fitScaler(x: Matrix, rows?: readonly number[], minSd = 1e-6): Scaler {
  const [n, D] = x.shape;
  const idx = rows ?? Array.from({ length: n }, (_, i) => i);
  const mean: number[] = [],
    sd: number[] = [];
  for (let d = 0; d < D; d++) {
    let s = 0,
      c = 0;
    for (const i of idx) {
      const v = x.values[i * D + d];
      if (Number.isFinite(v)) {
        s += v;
        c++;
      }
    }
    if (c === 0) throw new Error(`fitScaler: column ${d} has no finite value in the given rows`);
    const m = s / c;
    let s2 = 0;
    for (const i of idx) {
      const v = x.values[i * D + d];
      if (Number.isFinite(v)) s2 += (v - m) ** 2;
    }
    mean.push(m);
    sd.push(Math.max(minSd, Math.sqrt(s2 / c)));
  }
  return { mean, sd };
}

/** The identity scaler for D columns. */
export function identityScaler(D: number): Scaler {
  return { mean: new Array<number>(D).fill(0), sd: new Array<number>(D).fill(1) };
}

function check(s: Scaler, D: number, where: string): void {
  if (s.mean.length !== D || s.sd.length !== D)
    throw new Error(`${where}: the scaler has ${s.mean.length} columns, the data ${D}`);
}

/** (x − mean)/sd elementwise; NaN stays NaN. */
export function standardize(x: Matrix, s: Scaler): Matrix {
  const [n, D] = x.shape;
  check(s, D, "standardize");
  const out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) out[i * D + d] = (x.values[i * D + d] - s.mean[d]) / s.sd[d];
  return { values: out, shape: [n, D] };
}

/** mean + sd·z elementwise. */
export function unstandardize(z: Matrix, s: Scaler): Matrix {
  const [n, D] = z.shape;
  check(s, D, "unstandardize");
  const out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) out[i * D + d] = s.mean[d] + s.sd[d] * z.values[i * D + d];
  return { values: out, shape: [n, D] };
}
