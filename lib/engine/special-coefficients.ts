// Series coefficients of the special functions (log-gamma, digamma) shared by lib/prob/special (composed tfjs ops
// and scalar versions) and the kernels that implement the same float32 method on a backend (lib/engine/webgpu-special),
// so that both evaluate the same approximation. They live in the engine layer because kernels may not import lib/prob.

/** Euler–Mascheroni constant γ. */
export const EULER_GAMMA = 0.5772156649015329;

/** ζ(k) − 1 for k = 2 … 32 (mpmath, 22 digits). */
const ZETA_MINUS_1 = [
  0.6449340668482264364724, 0.2020569031595942853997, 0.082323233711138191516, 0.03692775514336992633137,
  0.01734306198444913971452, 0.008349277381922826839798, 0.004077356197944339378685, 0.002008392826082214417853,
  0.000994575127818085337146, 0.0004941886041194645587023, 0.000246086553308048298638, 0.0001227133475784891467518,
  0.00006124813505870482925855, 0.00003058823630702049355173, 0.00001528225940865187173257, 0.0000076371976378997622736,
  0.000003817293264999839856462, 0.000001908212716553938925657, 9.53962033872796113152e-7, 4.769329867878064631167e-7,
  2.384505027277329900036e-7, 1.192199259653110730678e-7, 5.960818905125947961244e-8, 2.980350351465228018606e-8,
  1.490155482836504123466e-8, 7.450711789835429491981e-9, 3.725334024788457054819e-9, 1.862659723513049006404e-9,
  9.313274324196681828718e-10, 4.656629065033784072989e-10, 2.328311833676505492001e-10,
];

/** Coefficients a_k (k = 1…n) of lgamma(2 + t) = Σ a_k t^k. */
export function lgammaSeriesCoeffs(n: number): number[] {
  const c = [1 - EULER_GAMMA];
  for (let k = 2; k <= n; k++) c.push(((k % 2 === 0 ? 1 : -1) * ZETA_MINUS_1[k - 2]) / k);
  return c;
}

/** Coefficients b_j (j = 0…n−1) of digamma(2 + t) = Σ b_j t^j (the derivative of the lgamma series). */
export function digammaSeriesCoeffs(n: number): number[] {
  const c = [1 - EULER_GAMMA];
  for (let k = 2; k <= n; k++) c.push((k % 2 === 0 ? 1 : -1) * ZETA_MINUS_1[k - 2]);
  return c;
}

// Float32 needs |t|^k (ζ(k)−1)/k below ~1e-9 at |t| = 0.5: 15 terms; float64 to ~1e-17: 30 terms.
export const LG_F32 = lgammaSeriesCoeffs(15);
export const DG_F32 = digammaSeriesCoeffs(16);

/** Stirling correction ω(y) = lgamma(y) − [(y − ½) log y − y + ½ log 2π]: B_2k / (2k(2k−1) y^(2k−1)). */
export const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400];
/** Asymptotic digamma tail: ψ(y) = log y − 1/(2y) − Σ B_2k / (2k y^2k). */
export const DIGAMMA_ASYMP = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12];

/** The float32 method's coefficients, for backends that implement it as a kernel (lib/engine/webgpu-special); lib/prob/special uses the same. */
export const SPECIAL_F32_COEFFS = Object.freeze({
  /** lgamma(2 + t) = t·Σ a_k t^(k−1) */
  lgammaSeries: LG_F32,
  /** digamma(2 + t) = Σ b_j t^j */
  digammaSeries: DG_F32,
  /** Stirling correction ω(y) for y ≥ 6 */
  stirling: STIRLING.slice(0, 4),
  /** digamma's asymptotic tail for y ≥ 6 */
  digammaAsymp: DIGAMMA_ASYMP.slice(0, 4),
});
