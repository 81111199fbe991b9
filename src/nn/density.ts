/**
 * The latent-space purification RBM of Torlai & Melko, PRL 120, 240503 (2018) (QuCumber's
 * DensityMatrix): a mixed state as the partial trace of a purification ψ(σ, a) over auxiliary units a.
 *
 * Two RBMs over visible σ (N), hidden h (n_h) and auxiliary a (n_a) units: the amplitude λ with
 * weights W (σ–h), U (σ–a) and biases b, c, d, and the phase μ with W, U, b, c (no auxiliary bias).
 * With the hidden units summed out and the auxiliary ones traced,
 *
 *   ρ̃(σ, σ′) = exp[Γ⁺_λ(σ, σ′) + Re Π(σ, σ′)] · exp i[Γ⁻_μ(σ, σ′) + Im Π(σ, σ′)],
 *   Γ^±(σ, σ′) = ½ [g(σ) ± g(σ′)],   g(σ) = b·σ + Σ_j softplus(c_j + Σ_i W_ij σ_i),
 *   Π(σ, σ′) = Σ_k log(1 + exp[½ Σ_i U^λ_ik (σ_i + σ′_i) + d_k + (i/2) Σ_i U^μ_ik (σ_i − σ′_i)]),
 *
 * Hermitian and positive semidefinite by construction; ρ = ρ̃ / tr ρ̃.
 *
 * Parameters are one vector [λ | μ]: λ = [W (N × n_h, W[i·n_h + j]) | U (N × n_a) | b | c | d] and
 * μ = [W | U | b | c].
 */
import type { Rng } from "../core/rng.js";
import type { DensityMatrix } from "../physics/density-matrix.js";
import { MAX_DENSITY_QUBITS } from "../physics/density-matrix.js";
import { QstError } from "../core/errors.js";
import { softplus } from "./rbm.js";

interface PurificationViews {
  W: Float64Array;
  U: Float64Array;
  b: Float64Array;
  c: Float64Array;
  /** Auxiliary biases (the amplitude RBM only). */
  d: Float64Array | null;
}

export class DensityRbm {
  readonly params: Float64Array;
  readonly amplitude: PurificationViews;
  readonly phase: PurificationViews;

  constructor(
    readonly nVisible: number,
    readonly nHidden: number,
    readonly nAux: number,
    params?: Float64Array,
  ) {
    for (const [name, n] of [
      ["visible", nVisible],
      ["hidden", nHidden],
      ["auxiliary", nAux],
    ] as const) {
      if (!Number.isInteger(n) || n < 1)
        throw new QstError(`the number of ${name} units must be a positive integer, got ${n}`);
    }
    const nA = DensityRbm.amplitudeCount(nVisible, nHidden, nAux);
    const size = nA + nA - nAux;
    if (params && params.length !== size)
      throw new QstError(`this density RBM has ${size} parameters, got ${params.length}`);
    this.params = params ?? new Float64Array(size);
    const views = (offset: number, withD: boolean): PurificationViews => {
      const p = this.params;
      let o = offset;
      const take = (n: number) => {
        o += n;
        return p.subarray(o - n, o);
      };
      return {
        W: take(nVisible * nHidden),
        U: take(nVisible * nAux),
        b: take(nVisible),
        c: take(nHidden),
        d: withD ? take(nAux) : null,
      };
    };
    this.amplitude = views(0, true);
    this.phase = views(nA, false);
  }

  static amplitudeCount(nV: number, nH: number, nA: number): number {
    return nV * nH + nV * nA + nV + nH + nA;
  }

  /** Weights ~ N(0, s²) with Glorot's s per block, zero biases. */
  randomise(rng: Rng): this {
    this.params.fill(0);
    for (const rbm of [this.amplitude, this.phase]) {
      const sW = 1 / Math.sqrt(this.nVisible + this.nHidden),
        sU = 1 / Math.sqrt(this.nVisible + this.nAux);
      for (let k = 0; k < rbm.W.length; k++) rbm.W[k] = sW * rng.normal();
      for (let k = 0; k < rbm.U.length; k++) rbm.U[k] = sU * rng.normal();
    }
    return this;
  }

  /** g(σ) = b·σ + Σ_j softplus(c_j + Σ_i W_ij σ_i) of one RBM. */
  private g(r: PurificationViews, v: ArrayLike<number>): number {
    const nV = this.nVisible,
      nH = this.nHidden;
    let s = 0;
    for (let i = 0; i < nV; i++) if (v[i]) s += r.b[i];
    for (let j = 0; j < nH; j++) {
      let x = r.c[j];
      for (let i = 0; i < nV; i++) if (v[i]) x += r.W[i * nH + j];
      s += softplus(x);
    }
    return s;
  }

  /** The k-th auxiliary unit's complex argument z_k = x + iφ of Π (and of ∂ log ρ̃), for (σ, σ′). */
  auxArgument(k: number, v: ArrayLike<number>, vp: ArrayLike<number>): { x: number; phi: number } {
    const nV = this.nVisible,
      nA = this.nAux,
      A = this.amplitude,
      P = this.phase;
    let x = A.d![k],
      phi = 0;
    for (let i = 0; i < nV; i++) {
      x += 0.5 * A.U[i * nA + k] * (v[i] + vp[i]);
      phi += 0.5 * P.U[i * nA + k] * (v[i] - vp[i]);
    }
    return { x, phi };
  }

  /** log ρ̃(σ, σ′) (unnormalised) as { re, im }. */
  logRho(v: ArrayLike<number>, vp: ArrayLike<number>): { re: number; im: number } {
    const nA = this.nAux,
      A = this.amplitude,
      P = this.phase;
    let re = 0.5 * (this.g(A, v) + this.g(A, vp)),
      im = 0.5 * (this.g(P, v) - this.g(P, vp));
    for (let k = 0; k < nA; k++) {
      const { x, phi } = this.auxArgument(k, v, vp);
      // log(1 + e^{x + iφ}) = ½ log(1 + 2e^x cos φ + e^{2x}) + i atan2(e^x sin φ, 1 + e^x cos φ)
      const e = Math.exp(x);
      re +=
        x > 30
          ? x + 0.5 * Math.log1p(2 * Math.exp(-x) * Math.cos(phi) + Math.exp(-2 * x))
          : 0.5 * Math.log(1 + 2 * e * Math.cos(phi) + e * e);
      im += Math.atan2(e * Math.sin(phi), 1 + e * Math.cos(phi));
    }
    return { re, im };
  }
}

/**
 * ∂ log ρ̃(σ, σ′) with respect to every parameter, complex, in the parameter layout [λ | μ], into
 * gRe/gIm (overwritten); returns log ρ̃(σ, σ′). With s_j(σ) = sigmoid(c_j + W_j·σ) and the complex
 * sigmoid S_k = 1/(1 + e^{−z_k}) of the auxiliary argument z_k = d_k + ½U^λ_k·(σ + σ′) + (i/2)U^μ_k·(σ − σ′):
 *   λ: ∂b_i = ½(σ_i + σ′_i), ∂c_j = ½(s_j(σ) + s_j(σ′)), ∂W_ij = ½(σ_i s_j(σ) + σ′_i s_j(σ′)),
 *      ∂d_k = S_k, ∂U_ik = ½(σ_i + σ′_i) S_k;
 *   μ: ∂b_i = (i/2)(σ_i − σ′_i), ∂c_j = (i/2)(s_j(σ) − s_j(σ′)), ∂W_ij = (i/2)(σ_i s_j(σ) − σ′_i s_j(σ′)),
 *      ∂U_ik = (i/2)(σ_i − σ′_i) S_k.
 */
export function logRhoGradient(
  model: DensityRbm,
  v: ArrayLike<number>,
  vp: ArrayLike<number>,
  gRe: Float64Array,
  gIm: Float64Array,
): { re: number; im: number } {
  const nV = model.nVisible,
    nH = model.nHidden,
    nA = model.nAux;
  gRe.fill(0);
  gIm.fill(0);
  const nAmp = DensityRbm.amplitudeCount(nV, nH, nA);
  const hiddenTerms = (r: PurificationViews, base: number, sign: 1 | -1, into: Float64Array) => {
    // b, c, W of one RBM: ½ (∂g(σ) + sign ∂g(σ′)).
    const oW = base,
      oB = base + nV * nH + nV * nA,
      oC = oB + nV;
    for (const [x, w] of [
      [v, 0.5],
      [vp, 0.5 * sign],
    ] as const) {
      for (let i = 0; i < nV; i++) if (x[i]) into[oB + i] += w;
      for (let j = 0; j < nH; j++) {
        let t = r.c[j];
        for (let i = 0; i < nV; i++) if (x[i]) t += r.W[i * nH + j];
        const sj = 1 / (1 + Math.exp(-t));
        into[oC + j] += w * sj;
        for (let i = 0; i < nV; i++) if (x[i]) into[oW + i * nH + j] += w * sj;
      }
    }
  };
  hiddenTerms(model.amplitude, 0, 1, gRe);
  hiddenTerms(model.phase, nAmp, -1, gIm); // i·(…): real coefficients land in the imaginary part
  const oUa = nV * nH,
    oD = nV * nH + nV * nA + nV + nH,
    oUp = nAmp + nV * nH;
  for (let k = 0; k < nA; k++) {
    const { x, phi } = model.auxArgument(k, v, vp);
    // S = 1/(1 + e^{−x} e^{−iφ})
    const e = Math.exp(-x),
      dr = 1 + e * Math.cos(phi),
      di = -e * Math.sin(phi),
      n2 = dr * dr + di * di;
    const sRe = dr / n2,
      sIm = -di / n2;
    gRe[oD + k] += sRe;
    gIm[oD + k] += sIm;
    for (let i = 0; i < nV; i++) {
      const plus = 0.5 * (v[i] + vp[i]),
        minus = 0.5 * (v[i] - vp[i]);
      gRe[oUa + i * nA + k] += plus * sRe;
      gIm[oUa + i * nA + k] += plus * sIm;
      // (i/2)(σ_i − σ′_i) S = minus · (i sRe − sIm)
      gRe[oUp + i * nA + k] += -minus * sIm;
      gIm[oUp + i * nA + k] += minus * sRe;
    }
  }
  return model.logRho(v, vp);
}

/** The model's normalised ρ over all 2^N × 2^N configurations (N ≤ MAX_DENSITY_QUBITS). */
export function densityMatrixOf(model: DensityRbm): DensityMatrix {
  const N = model.nVisible;
  if (N > MAX_DENSITY_QUBITS)
    throw new QstError(`a density matrix of N = ${N} qubits is larger than qst forms (N ≤ ${MAX_DENSITY_QUBITS})`);
  const dim = 2 ** N;
  const configs = Array.from({ length: dim }, (_, a) =>
    Uint8Array.from({ length: N }, (_, i) => (a >>> (N - 1 - i)) & 1),
  );
  const logRe = new Float64Array(dim * dim),
    phase = new Float64Array(dim * dim);
  let max = -Infinity;
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) {
      const l = model.logRho(configs[a], configs[b]);
      logRe[a * dim + b] = l.re;
      phase[a * dim + b] = l.im;
      if (a === b && l.re > max) max = l.re;
    }
  }
  let tr = 0;
  for (let a = 0; a < dim; a++) tr += Math.exp(logRe[a * dim + a] - max);
  const re = new Float64Array(dim * dim),
    im = new Float64Array(dim * dim);
  for (let k = 0; k < dim * dim; k++) {
    const m = Math.exp(logRe[k] - max) / tr;
    re[k] = m * Math.cos(phase[k]);
    im[k] = m * Math.sin(phase[k]);
  }
  return { dim, re, im };
}
