// Float64 mirrors of the Gamma-draw kernels (lib/engine/webgpu-special's shader, native/src/gamma_sample.cc):
// Philox-4x32-10 in exact integer arithmetic and the Marsaglia–Tsang draw of one element.

/** Philox-4x32-10 (Salmon et al. 2011), the shader's generator, in exact integer arithmetic. */
export function philox(counter: number[], key: number[]): number[] {
  let c = [...counter],
    k = [...key];
  const mulhilo = (a: number, b: number) => {
    const p = BigInt(a) * BigInt(b);
    return [Number(p >> 32n), Number(p & 0xffffffffn)];
  };
  for (let r = 0; r < 10; r++) {
    const [h0, l0] = mulhilo(0xd2511f53, c[0]);
    const [h1, l1] = mulhilo(0xcd9e8d57, c[2]);
    c = [(h1 ^ c[1] ^ k[0]) >>> 0, l1, (h0 ^ c[3] ^ k[1]) >>> 0, l0];
    k = [(k[0] + 0x9e3779b9) >>> 0, (k[1] + 0xbb67ae85) >>> 0];
  }
  return c;
}

/** The shader's draw for element `index` under key `seed`, in float64 (Marsaglia–Tsang, polar Box–Muller). */
export function gammaDrawRef(alpha: number, index: number, seed: number[]): number {
  const unit = (w: number) => ((w >>> 8) + 0.5) * 2 ** -24;
  const boost = alpha < 1;
  const d = (boost ? alpha + 1 : alpha) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (let attempt = 0; attempt < 256; attempt++) {
    const r = philox([index, attempt, 0, 0], seed);
    const p = [2 * unit(r[0]) - 1, 2 * unit(r[1]) - 1];
    const s = p[0] * p[0] + p[1] * p[1];
    if (s >= 1 || s === 0) continue;
    const x = p[0] * Math.sqrt((-2 * Math.log(s)) / s);
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = unit(r[2]);
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v)))
      return boost ? d * v * Math.exp(Math.log(unit(r[3])) / alpha) : d * v;
  }
  return d;
}
