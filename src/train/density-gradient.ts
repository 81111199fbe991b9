/**
 * The NLL gradient of the purification RBM (src/nn/density.ts) for shots in rotated bases.
 *
 * A shot with outcome σ in basis b has probability ρ_b(σ, σ) = ρ̃_b(σ, σ)/Z, where
 * ρ̃_b(σ, σ) = Σ_{σ′σ″} U_b(σ, σ′) ρ̃(σ′, σ″) U_b(σ, σ″)* over the configurations that agree with σ
 * on the Z qubits (the rotated-shot table's terms) and Z = tr ρ̃. With the complex weights
 * w(σ′, σ″) = U(σ, σ′) ρ̃(σ′, σ″) U(σ, σ″)* / ρ̃_b(σ, σ), which sum to 1,
 *
 *   ∂ log ρ̃_b(σ, σ) = Re Σ w ∂ log ρ̃(σ′, σ″),     ∂ log Z = Σ_σ ρ(σ, σ) ∂ log ρ̃(σ, σ),
 *
 * so ∂NLL = −⟨∂ log ρ̃_b⟩_shots + ⟨∂ log ρ̃(σ, σ)⟩_{ρ(σ,σ)}. The diagonal ρ̃(σ, σ) is the marginal of
 * the amplitude RBM (hidden layer h and a together), so the model average is any ModelAverage of
 * that RBM (src/train/model-average.ts): Gibbs chains, tempering or enumeration, as for the pure models.
 */
import { QstError } from "../core/errors.js";
import type { DensityRbm } from "../nn/density.js";
import { softplus } from "../nn/rbm.js";
import type { RotatedShotTable } from "./rotated-gradient.js";

/**
 * grad += weight · Σ_shots (−∂ log ρ̃_b(σ, σ)) over shots[0..count); returns Σ weight · (−log ρ̃_b(σ, σ)).
 *
 * With s_j(σ) = sigmoid(c_j + W_j·σ) and the auxiliary units' complex sigmoid
 * S_k = 1/(1 + e^{−z_k}), z_k = d_k + ½U^λ_k·(σ + σ′) + (i/2)U^μ_k·(σ − σ′), the derivatives of log ρ̃(σ, σ′) are
 *   λ: ∂b_i = ½(σ_i + σ′_i), ∂c_j = ½(s_j(σ) + s_j(σ′)), ∂W_ij = ½(σ_i s_j(σ) + σ′_i s_j(σ′)),
 *      ∂d_k = S_k, ∂U_ik = ½(σ_i + σ′_i) S_k;
 *   μ: ∂b_i = (i/2)(σ_i − σ′_i), ∂c_j = (i/2)(s_j(σ) − s_j(σ′)), ∂W_ij = (i/2)(σ_i s_j(σ) − σ′_i s_j(σ′)),
 *      ∂U_ik = (i/2)(σ_i − σ′_i) S_k.
 * They are summed in factorised form, so that a pair with n terms costs O(n·N·(n_h + n_a) + n²·n_a)
 * rather than n² full gradients (the tests hold the result to finite differences of the NLL). In log ρ̃(a, b) and its
 * gradient only the auxiliary units couple a and b; the rest is ½[G(a) ± G(b)] with G a function of
 * one configuration. The weights are Hermitian (w(b, a) = w(a, b)*, as is the auxiliary units'
 * complex sigmoid S_k), so Re Σ_ab w(a, b) ½[G(a) + G(b)] = Σ_a Re r(a) G(a) with the row sums
 * r(a) = Σ_b w(a, b), the phase's Re Σ w (i/2)[G(a) − G(b)] = −Σ_a Im r(a) G(a), and the auxiliary
 * terms the same with r_k(a) = Σ_b w(a, b) S_k(a, b).
 */
export function densityDataGradient(
  model: DensityRbm,
  table: RotatedShotTable,
  shots: ArrayLike<number>,
  count: number,
  weight: number,
  grad: Float64Array,
): number {
  const N = table.nQubits,
    nH = model.nHidden,
    nA = model.nAux,
    H = nH + nA;
  const oB = N * H,
    oC = oB + N,
    oPhase = model.amplitude.params.length;
  // Shots that repeat a (basis, outcome) pair are evaluated once, with their summed weight.
  const pairWeight = new Map<number, number>();
  for (let r = 0; r < count; r++) {
    const p = table.pairOfShot[shots[r]];
    pairWeight.set(p, (pairWeight.get(p) ?? 0) + weight);
  }
  let maxTerms = 0;
  for (const p of pairWeight.keys()) maxTerms = Math.max(maxTerms, table.termStart[p + 1] - table.termStart[p]);
  const n2 = maxTerms * maxTerms;

  const configs = table.configs;
  // The outcomes of one basis that agree on its Z qubits sum over the same configurations in the same
  // order (the table enumerates the rotated qubits alike), so they share one block of log ρ̃ and S_k.
  arena.reset();
  const wRe = arena.take(n2),
    wIm = arena.take(n2),
    rRe = arena.take(maxTerms),
    rIm = arena.take(maxTerms),
    rkRe = arena.take(maxTerms * nA),
    rkIm = arena.take(maxTerms * nA);
  const blocks = new Map<number, RhoBlock>();
  const shareBlocks = N <= 30;
  let data = 0;
  for (const [p, w] of pairWeight) {
    const k0 = table.termStart[p];
    const n = table.termStart[p + 1] - k0;
    const key = table.basisOfPair[p] * 2 ** N + table.termIndex[k0];
    let block = shareBlocks ? blocks.get(key) : undefined;
    if (!block) {
      block = rhoBlock(model, configs, k0, n, N);
      if (shareBlocks) blocks.set(key, block);
    }
    const { rhoRe, rhoIm, sRe, sIm, sA, sP, max } = block;
    // t = U_a U_b* ρ̃(a, b) e^{−max}, Hermitian; ρ̃_b = Σ t (real); w = t / ρ̃_b.
    let total = 0;
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        const q = a * n + b;
        const ur = table.uRe[k0 + a] * table.uRe[k0 + b] + table.uIm[k0 + a] * table.uIm[k0 + b]; // U_a U_b*
        const ui = table.uIm[k0 + a] * table.uRe[k0 + b] - table.uRe[k0 + a] * table.uIm[k0 + b];
        const rr = rhoRe[q],
          ri = rhoIm[q];
        wRe[q] = ur * rr - ui * ri;
        wIm[q] = ur * ri + ui * rr;
        if (b === a) total += wRe[q];
        else {
          wRe[b * n + a] = wRe[q];
          wIm[b * n + a] = -wIm[q];
          total += 2 * wRe[q];
        }
      }
    }
    if (!(total > 0)) {
      throw new QstError(`a shot in basis ${table.bases[table.basisOfPair[p]]} has zero probability under the model`);
    }
    rRe.fill(0, 0, n);
    rIm.fill(0, 0, n);
    rkRe.fill(0, 0, n * nA);
    rkIm.fill(0, 0, n * nA);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const q = a * n + b;
        const xr = wRe[q] / total,
          xi = wIm[q] / total;
        rRe[a] += xr;
        rIm[a] += xi;
        for (let k = 0; k < nA; k++) {
          const yr = sRe[q * nA + k],
            yi = sIm[q * nA + k];
          rkRe[a * nA + k] += xr * yr - xi * yi;
          rkIm[a * nA + k] += xr * yi + xi * yr;
        }
      }
    }
    // grad −= w · Re Σ w(a, b) ∂ log ρ̃(a, b), configuration by configuration.
    for (let a = 0; a < n; a++) {
      const o = (k0 + a) * N;
      const ca = -w * rRe[a],
        cp = w * rIm[a]; // −w · (−Im r(a))
      for (let j = 0; j < nH; j++) {
        grad[oC + j] += ca * sA[a * nH + j];
        grad[oPhase + oC + j] += cp * sP[a * nH + j];
      }
      for (let i = 0; i < N; i++) {
        if (!configs[o + i]) continue;
        grad[oB + i] += ca;
        grad[oPhase + oB + i] += cp;
        for (let j = 0; j < nH; j++) {
          grad[i * H + j] += ca * sA[a * nH + j];
          grad[oPhase + i * H + j] += cp * sP[a * nH + j];
        }
        for (let k = 0; k < nA; k++) {
          grad[i * H + nH + k] -= w * rkRe[a * nA + k];
          grad[oPhase + i * H + nH + k] += w * rkIm[a * nA + k];
        }
      }
      for (let k = 0; k < nA; k++) grad[oC + nH + k] -= w * rkRe[a * nA + k];
    }
    data -= w * (Math.log(total) + max);
  }
  return data;
}

/**
 * Scratch memory for the blocks of one call, reused from call to call: a fresh typed array per block
 * cost more than the block's arithmetic. Views stay valid when it grows (a new buffer is started).
 */
class Arena {
  private buffer = new Float64Array(1 << 16);
  private used = 0;

  reset(): void {
    this.used = 0;
  }

  take(n: number): Float64Array {
    if (this.used + n > this.buffer.length) {
      this.buffer = new Float64Array(Math.max(2 * this.buffer.length, n));
      this.used = 0;
    }
    this.used += n;
    return this.buffer.subarray(this.used - n, this.used);
  }
}

const arena = new Arena();

/** Factors 1 + E_k multiplied before one log: |1 + E_k| ≤ 1 + e^{30}, so 8 of them stay below 1e105. */
const FOLD = 8;

/** ρ̃(a, b) and the auxiliary units' S_k(a, b) over n configurations, with what they are made of. */
interface RhoBlock {
  /** ρ̃(a, b) e^{−max}, n × n, with max the largest Re log ρ̃ (the shift that keeps it finite). */
  rhoRe: Float64Array;
  rhoIm: Float64Array;
  max: number;
  /** S_k(a, b), n × n × n_a. */
  sRe: Float64Array;
  sIm: Float64Array;
  /** The hidden units' sigmoids s_j of each configuration, amplitude and phase, n × n_h. */
  sA: Float64Array;
  sP: Float64Array;
}

function rhoBlock(model: DensityRbm, configs: Uint8Array, k0: number, n: number, N: number): RhoBlock {
  const nH = model.nHidden,
    nA = model.nAux,
    H = nH + nA;
  const A = model.amplitude,
    Ph = model.phase;
  // Per configuration: g of both RBMs, the hidden sigmoids, and the auxiliary fields.
  const gA = arena.take(n),
    gP = arena.take(n),
    sA = arena.take(n * nH),
    sP = arena.take(n * nH),
    uA = arena.take(n * nA),
    uP = arena.take(n * nA);
  for (let a = 0; a < n; a++) {
    const o = (k0 + a) * N;
    let ga = 0,
      gp = 0;
    for (let i = 0; i < N; i++) {
      if (!configs[o + i]) continue;
      ga += A.visibleBias[i];
      gp += Ph.visibleBias[i];
    }
    for (let j = 0; j < nH; j++) {
      let ta = A.hiddenBias[j],
        tp = Ph.hiddenBias[j];
      for (let i = 0; i < N; i++) {
        if (!configs[o + i]) continue;
        ta += A.weights[i * H + j];
        tp += Ph.weights[i * H + j];
      }
      ga += softplus(ta);
      gp += softplus(tp);
      sA[a * nH + j] = 1 / (1 + Math.exp(-ta));
      sP[a * nH + j] = 1 / (1 + Math.exp(-tp));
    }
    gA[a] = ga;
    gP[a] = gp;
    for (let k = 0; k < nA; k++) {
      let xa = 0,
        xp = 0;
      for (let i = 0; i < N; i++) {
        if (!configs[o + i]) continue;
        xa += A.weights[i * H + nH + k];
        xp += Ph.weights[i * H + nH + k];
      }
      uA[a * nA + k] = xa;
      uP[a * nA + k] = xp;
    }
  }
  // Per configuration, the factors of e^{x_k} and of cos φ_k, sin φ_k, so that a pair needs no exp or
  // trigonometric function per auxiliary unit: x_k(a, b) = d_k + ½u^λ_k(a) + ½u^λ_k(b) and
  // φ_k(a, b) = ½u^μ_k(a) − ½u^μ_k(b).
  const ed = arena.take(nA),
    eh = arena.take(n * nA),
    ch = arena.take(n * nA),
    sh = arena.take(n * nA);
  for (let k = 0; k < nA; k++) ed[k] = Math.exp(A.hiddenBias[nH + k]);
  for (let q = 0; q < n * nA; q++) {
    eh[q] = Math.exp(0.5 * uA[q]);
    ch[q] = Math.cos(0.5 * uP[q]);
    sh[q] = Math.sin(0.5 * uP[q]);
  }
  // log ρ̃(a, b) and S_k(a, b) for a ≤ b; (b, a) is the complex conjugate (ρ̃ and S are Hermitian).
  const lRe = arena.take(n * n),
    lIm = arena.take(n * n),
    sRe = arena.take(n * n * nA),
    sIm = arena.take(n * n * nA);
  let max = -Infinity;
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      const q = a * n + b,
        qt = b * n + a;
      let re = 0.5 * (gA[a] + gA[b]),
        im = 0.5 * (gP[a] - gP[b]);
      // Π_k (1 + E_k), E_k = e^{x_k + iφ_k}, folded into (re, im) every FOLD factors so it cannot overflow.
      let pr = 1,
        pi = 0,
        factors = 0;
      for (let k = 0; k < nA; k++) {
        const ia = a * nA + k,
          ib = b * nA + k;
        const x = A.hiddenBias[nH + k] + 0.5 * (uA[ia] + uA[ib]);
        // cos φ and sin φ of φ = α_a − α_b
        const c = ch[ia] * ch[ib] + sh[ia] * sh[ib],
          sn = sh[ia] * ch[ib] - ch[ia] * sh[ib];
        let yr: number, yi: number;
        if (x > 30) {
          // log(1 + E) = x + iφ + log(1 + e^{−x − iφ})
          const e = Math.exp(-x),
            dr = 1 + e * c,
            di = -e * sn,
            d2 = dr * dr + di * di;
          re += x + 0.5 * Math.log(d2);
          im += Math.atan2(sn, c) + Math.atan2(di, dr);
          yr = dr / d2;
          yi = -di / d2;
        } else {
          let e = ed[k] * eh[ia] * eh[ib];
          if (!Number.isFinite(e)) e = Math.exp(x); // a factor overflowed although x did not
          const er = e * c,
            ei = e * sn,
            dr = 1 + er,
            d2 = dr * dr + ei * ei;
          const nr = pr * dr - pi * ei;
          pi = pr * ei + pi * dr;
          pr = nr;
          if (++factors === FOLD) {
            re += 0.5 * Math.log(pr * pr + pi * pi);
            im += Math.atan2(pi, pr);
            pr = 1;
            pi = 0;
            factors = 0;
          }
          // S = E/(1 + E) = E (1 + E)* / |1 + E|²
          yr = (er * dr + ei * ei) / d2;
          yi = ei / d2;
        }
        sRe[q * nA + k] = yr;
        sIm[q * nA + k] = yi;
        sRe[qt * nA + k] = yr;
        sIm[qt * nA + k] = -yi;
      }
      if (factors > 0) {
        re += 0.5 * Math.log(pr * pr + pi * pi);
        im += Math.atan2(pi, pr);
      }
      lRe[q] = lRe[qt] = re;
      lIm[q] = im;
      lIm[qt] = -im;
      if (re > max) max = re;
    }
  }
  const rhoRe = arena.take(n * n),
    rhoIm = arena.take(n * n);
  for (let q = 0; q < n * n; q++) {
    const m = Math.exp(lRe[q] - max);
    rhoRe[q] = m * Math.cos(lIm[q]);
    rhoIm[q] = m * Math.sin(lIm[q]);
  }
  return { rhoRe, rhoIm, max, sRe, sIm, sA, sP };
}
