// Fixed-step SDE solvers for the CD-VAE's latent processes (thesis App. C, Sec. 3; Li et al. 2020).
//
// An SDE dZ = f(Z, s) ds + g(Z, s) ∘/· dW with diagonal noise (g elementwise, same shape as Z, or a scalar)
// is integrated over [s0, s1] on a grid of constant step Δs (the last step shortened when Δs does not
// divide the interval) or of n equal steps:
//  - Euler–Maruyama (Itô):      Z' = Z + f(Z) Δs + g(Z) ΔW;
//  - Euler–Heun (Stratonovich, diffrax's EulerHeun, the paper's solver):
//                               Ẑ = Z + g(Z) ΔW,  Z' = Z + f(Z) Δs + ½(g(Z) + g(Ẑ)) ΔW.
//    With the CD-VAE's constant scalar diffusion both methods take the same steps (additive noise:
//    Itô = Stratonovich, and g(Ẑ) = g(Z)); they differ for state-dependent g (tested on GBM).
// Brownian increments come from a `BrownianPath`: drawn once per grid (ΔW ~ N(0, Δs) per element) and
// handed to every process that must share them — the posterior and the prior of a level (Li et al.
// 2020 Sec. 5) — and coarsenable (summing k consecutive increments is an exact draw on the coarser grid),
// which is how the convergence-order tests compare step sizes on one path.
// Path rate: with a second ("prior") drift h̃ and u = (f − h̃)/g, the state is augmented with
// r' = r + ½|u(Z, s)|² Δs (summed over every non-batch element), the KL between the posterior and prior
// path measures by Girsanov (Li et al. 2020, Eq. 6 ff.); its integrand has no diffusion, so both
// methods integrate it with the left-point (Euler) rule.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";

export type SdeMethod = "euler-maruyama" | "euler-heun";
export const SDE_METHODS: readonly SdeMethod[] = Object.freeze(["euler-maruyama", "euler-heun"] as SdeMethod[]);

export interface Sde {
  /** Drift f(Z, s), same shape as Z. */
  drift(z: tf.Tensor, s: number): tf.Tensor;
  /** Diagonal diffusion g(Z, s): a tensor broadcastable to Z's shape, or a number. */
  diffusion(z: tf.Tensor, s: number): tf.Tensor | number;
}

/** Grid points s0 = t_0 < … < t_n = s1: n equal steps, or steps of dt with a shorter last step. */
export function stepGrid(s0: number, s1: number, o: { dt?: number; steps?: number }): number[] {
  if (!(Number.isFinite(s0) && Number.isFinite(s1) && s1 > s0))
    throw new Error(`stepGrid: need finite s0 < s1, got [${s0}, ${s1}]`);
  if ((o.dt === undefined) === (o.steps === undefined)) throw new Error("stepGrid: give exactly one of dt and steps");
  if (o.steps !== undefined) {
    if (!(Number.isInteger(o.steps) && o.steps >= 1))
      throw new Error(`stepGrid: steps must be a positive integer, got ${o.steps}`);
    return Array.from({ length: o.steps + 1 }, (_, k) => (k === o.steps ? s1 : s0 + ((s1 - s0) * k) / o.steps!));
  }
  const dt = o.dt!;
  if (!(dt > 0)) throw new Error(`stepGrid: dt must be > 0, got ${dt}`);
  const L = s1 - s0;
  // tolerate round-off: 1/0.1 is 10 steps, not 11 with a 1e-16 remainder
  const n = Math.max(1, Math.ceil(L / dt - 1e-9));
  return Array.from({ length: n + 1 }, (_, k) => (k === n ? s1 : s0 + k * dt));
}

/** Brownian increments on a grid for a state of a given shape; shared by every process that uses it. */
export class BrownianPath {
  private constructor(
    readonly grid: number[],
    readonly increments: tf.Tensor[],
  ) {}

  /** Draw ΔW_k ~ N(0, (t_{k+1} − t_k) I) of `shape` for each step of `grid`. */
  static sample(grid: readonly number[], shape: number[], rng: Rng): BrownianPath {
    if (grid.length < 2) throw new Error("BrownianPath: the grid needs at least two points");
    const inc = grid.slice(1).map((t, k) => {
      const h = t - grid[k];
      if (!(h > 0)) throw new Error(`BrownianPath: grid is not increasing at ${k} (${grid[k]} → ${t})`);
      return tf.tidy(() => tf.mul(rng.fork(`dW/${k}`).normalTensor(shape), Math.sqrt(h)));
    });
    return new BrownianPath(grid.slice(), inc);
  }

  /** Wrap given increments (e.g. from a test). */
  static fromIncrements(grid: readonly number[], increments: tf.Tensor[]): BrownianPath {
    if (increments.length !== grid.length - 1)
      throw new Error(`BrownianPath: ${increments.length} increments for ${grid.length - 1} steps`);
    return new BrownianPath(grid.slice(), increments);
  }

  get steps(): number {
    return this.increments.length;
  }

  /** The same path on the grid of every `factor`-th point: sums of `factor` consecutive increments. */
  coarsen(factor: number): BrownianPath {
    if (!(Number.isInteger(factor) && factor >= 1 && this.steps % factor === 0))
      throw new Error(`BrownianPath.coarsen: factor ${factor} must divide the ${this.steps} steps`);
    const inc: tf.Tensor[] = [];
    for (let k = 0; k < this.steps; k += factor) inc.push(tf.tidy(() => tf.addN(this.increments.slice(k, k + factor))));
    return new BrownianPath(
      this.grid.filter((_, i) => i % factor === 0),
      inc,
    );
  }

  /** W(t_n) − W(t_0). */
  total(): tf.Tensor {
    return tf.tidy(() => tf.addN(this.increments));
  }

  dispose(): void {
    tf.dispose(this.increments);
  }
}

export interface SolveOptions {
  method?: SdeMethod;
  /** The Brownian increments (their grid is the solver's grid). */
  brownian: BrownianPath;
  /** A prior drift h̃(Z, s): also integrate the path rate ½|(f − h̃)/g|² along the solution. */
  priorDrift?: (z: tf.Tensor, s: number) => tf.Tensor;
  /** Keep the state at every grid point (for plots); default false. */
  record?: boolean;
}

export interface SolveResult {
  /** Terminal state Z(s1). */
  z: tf.Tensor;
  /** Path rate per batch row [B] (first axis of Z), when a prior drift was given. */
  pathRate?: tf.Tensor;
  /** States at every grid point (record: true), including Z(s0). */
  trajectory?: tf.Tensor[];
  /** Instantaneous ½|u|² per batch row at the left point of every step (record and priorDrift). */
  rateDensity?: tf.Tensor[];
  grid: number[];
}

function halfSquaredNorm(u: tf.Tensor): tf.Tensor {
  const axes = u.shape.slice(1).map((_, i) => i + 1);
  return tf.mul(axes.length ? tf.sum(tf.square(u), axes) : tf.square(u), 0.5);
}

/**
 * Integrate `sde` from z0 over the Brownian path's grid. Call inside tf.tidy (or dispose the result's
 * tensors); gradients flow through drift and diffusion as usual.
 */
export function sdeSolve(sde: Sde, z0: tf.Tensor, o: SolveOptions): SolveResult {
  const method = o.method ?? "euler-heun";
  if (!SDE_METHODS.includes(method))
    throw new Error(`sdeSolve: unknown method ${JSON.stringify(method)} (have ${SDE_METHODS.join(", ")})`);
  const { grid, increments } = o.brownian;
  const batch = z0.shape[0] ?? 1;
  let z = z0;
  let rate: tf.Tensor | undefined = o.priorDrift ? tf.zeros([batch]) : undefined;
  const trajectory = o.record ? [z0] : undefined;
  const density: tf.Tensor[] | undefined = o.record && o.priorDrift ? [] : undefined;
  for (let k = 0; k < increments.length; k++) {
    const s = grid[k],
      h = grid[k + 1] - s,
      dW = increments[k];
    if (dW.shape.length !== z.shape.length || dW.shape.some((d, i) => d !== z.shape[i])) {
      throw new Error(`sdeSolve: Brownian increments have shape [${dW.shape}], the state [${z.shape}]`);
    }
    const f = sde.drift(z, s);
    const g = sde.diffusion(z, s);
    if (rate && o.priorDrift) {
      const u = tf.div(tf.sub(f, o.priorDrift(z, s)), g);
      const d = halfSquaredNorm(u);
      density?.push(d);
      rate = tf.add(rate, tf.mul(d, h));
    }
    let noise: tf.Tensor;
    if (method === "euler-maruyama") noise = tf.mul(g, dW);
    else {
      const zHat = tf.add(z, tf.mul(g, dW));
      const gHat = sde.diffusion(zHat, s);
      noise = tf.mul(tf.mul(tf.add(g, gHat), 0.5), dW);
    }
    z = tf.add(tf.add(z, tf.mul(f, h)), noise);
    trajectory?.push(z);
  }
  return {
    z,
    ...(rate ? { pathRate: rate } : {}),
    ...(trajectory ? { trajectory } : {}),
    ...(density ? { rateDensity: density } : {}),
    grid: grid.slice(),
  };
}
