/**
 * The data term of the NLL gradient for shots in rotated bases (Torlai et al., Nature Physics 14,
 * 447 (2018); QuCumber's rotated_gradient).
 *
 * Shot m was measured in basis b_m (one Pauli letter per qubit) with outcome σ_m. Its
 * probability is |ψ_b(σ)|² with ψ_b(σ) = Σ_σ′ U_b(σ, σ′) ψ(σ′), a sum over the 2^t
 * configurations σ′ that agree with σ on the Z qubits (src/physics/bases.ts). With the
 * unnormalised ψ̃ = e^{−F_λ/2 − iF_μ/2}, |ψ_b|² = |ψ̃_b|²/Z_λ and
 *
 *     NLL = −(1/M) Σ_m log |ψ̃_{b_m}(σ_m)|² + log Z_λ.
 *
 * Writing the complex weights w_σ′ = U_b(σ, σ′) ψ̃(σ′) / ψ̃_b(σ) (Σ_σ′ w_σ′ = 1),
 * ∂ log ψ̃_b = Σ_σ′ w_σ′ ∂ log ψ̃(σ′), with ∂_λ log ψ̃ = −∂_λF_λ/2 and ∂_μ log ψ̃ = −i ∂_μF_μ/2, so
 *
 *     ∂_λ [−log|ψ̃_b(σ)|²] = −2 Re Σ w (−∂_λF_λ/2) =  Re Σ_σ′ w_σ′ ∂_λF_λ(σ′)
 *     ∂_μ [−log|ψ̃_b(σ)|²] = −2 Re Σ w (−i∂_μF_μ/2) = −Im Σ_σ′ w_σ′ ∂_μF_μ(σ′)
 *     ∂_λ log Z_λ = −⟨∂_λF_λ⟩_{p_λ},     ∂_μ log Z_λ = 0.
 *
 * For an all-Z shot w = 1: the λ term is the positive model's ⟨∂F⟩_data and the μ term vanishes.
 * The negative phase −⟨∂F_λ⟩ is the model average's (src/train/model-average.ts). Derivation,
 * tests and end-to-end numbers: docs/complex.md.
 */
import { ensure } from "../core/errors.js";
import { addEnumeratedGradient, checkExactSize, logSumExp, unnormalisedLogProbabilities } from "../nn/enumeration.js";
import { type RBM, addGradientFromProbabilities, freeEnergyAndProbabilities } from "../nn/rbm.js";
import { hammingWeight } from "../nn/sector.js";
import { BASIS_Z, checkBasis, singleQubitUnitary } from "../physics/bases.js";

/**
 * Above this many non-Z qubits in one shot the 2^t-term sum per shot (and per gradient step) is
 * refused: 2^16 = 65 536 configurations of every such shot at every update is already slow.
 */
export const MAX_ROTATED_QUBITS = 16;

/**
 * Every distinct (basis, outcome) pair of a data set, with the configurations σ′ and coefficients
 * U_b(σ, σ′) of its rotated amplitude ψ_b(σ) = Σ_σ′ U_b(σ, σ′) ψ(σ′). Many shots repeat a pair,
 * so the table is built once and indexed per shot.
 *
 * Pair p owns terms [termStart[p], termStart[p+1]); term k has the configuration
 * configs[k·N .. (k+1)·N), whose basis index is termIndex[k], and the coefficient (uRe[k], uIm[k]).
 */
export interface RotatedShotTable {
  nQubits: number;
  nShots: number;
  /** Pair index of every shot. */
  pairOfShot: Uint32Array;
  nPairs: number;
  termStart: Uint32Array;
  configs: Uint8Array;
  /** Basis index Σ_i σ′_i 2^(N−1−i) of every term's configuration (for lookups in 2^N tables). */
  termIndex: Uint32Array;
  uRe: Float64Array;
  uIm: Float64Array;
  /** Distinct bases, in order of first appearance, and the basis index of every pair and shot. */
  bases: string[];
  basisOfPair: Uint32Array;
  basisOfShot: Uint32Array;
  /** Shots per distinct basis. */
  shotsPerBasis: number[];
}

/**
 * Builds the table for shots `samples` (M × N, 0/1) measured in `bases` (M × N ASCII codes, or
 * null for all Z). Letters are assumed validated (io.validateBases); anything else is refused.
 */
export function buildRotatedShotTable(
  samples: Uint8Array,
  bases: Uint8Array | null,
  nQubits: number,
  sector: number | null = null,
): RotatedShotTable {
  const N = nQubits;
  ensure(Number.isInteger(N) && N >= 1, `the number of qubits must be a positive integer, got ${N}`);
  ensure(samples.length % N === 0, `the shots must be M × ${N} values, got ${samples.length}`);
  const M = samples.length / N;
  ensure(
    !bases || bases.length === samples.length,
    `the bases must be laid out like the shots (${samples.length} letters), got ${bases?.length}`,
  );
  const pairIndex = new Map<string, number>();
  const basisIndex = new Map<string, number>();
  const basisList: string[] = [];
  const shotsPerBasis: number[] = [];
  const pairOfShot = new Uint32Array(M);
  const basisOfShotArr = new Uint32Array(M);
  const termStart: number[] = [0];
  const basisOfPair: number[] = [];
  let configs = new Uint8Array(Math.max(16, N * 64));
  let uRe = new Float64Array(64);
  let uIm = new Float64Array(64);
  let termIndex = new Uint32Array(64);
  let nTerms = 0;
  const rotated: number[] = [];
  const v = new Uint8Array(N);
  for (let m = 0; m < M; m++) {
    let basis = "";
    if (bases) for (let i = 0; i < N; i++) basis += String.fromCharCode(bases[m * N + i]);
    else basis = "Z".repeat(N);
    let bi = basisIndex.get(basis);
    if (bi === undefined) {
      checkBasis(basis, N, `shot ${m}: basis`);
      bi = basisList.length;
      basisIndex.set(basis, bi);
      basisList.push(basis);
      shotsPerBasis.push(0);
    }
    shotsPerBasis[bi]++;
    basisOfShotArr[m] = bi;
    let outcome = "";
    for (let i = 0; i < N; i++) {
      const x = samples[m * N + i];
      ensure(x === 0 || x === 1, () => `shot ${m}, qubit ${i}: outcomes must be 0 or 1, found ${x}`);
      outcome += x;
    }
    const key = basis + ":" + outcome;
    let p = pairIndex.get(key);
    if (p === undefined) {
      p = basisOfPair.length;
      pairIndex.set(key, p);
      basisOfPair.push(bi);
      rotated.length = 0;
      for (let i = 0; i < N; i++) if (basis.charCodeAt(i) !== BASIS_Z) rotated.push(i);
      const t = rotated.length;
      ensure(
        t <= MAX_ROTATED_QUBITS,
        () =>
          `shot ${m} was measured in basis ${basis} with ${t} non-Z qubits; its probability is a sum over 2^${t} configurations, ` +
          `and qst allows at most ${MAX_ROTATED_QUBITS} non-Z qubits per shot`,
      );
      if (uRe.length < nTerms + (1 << t)) {
        const size = Math.max(2 * uRe.length, nTerms + (1 << t));
        const c2 = new Uint8Array(size * N),
          r2 = new Float64Array(size),
          i2 = new Float64Array(size),
          x2 = new Uint32Array(size);
        c2.set(configs);
        r2.set(uRe);
        i2.set(uIm);
        x2.set(termIndex);
        configs = c2;
        uRe = r2;
        uIm = i2;
        termIndex = x2;
      }
      for (let x = 0; x < 1 << t; x++) {
        for (let i = 0; i < N; i++) v[i] = samples[m * N + i];
        let cr = 1,
          ci = 0;
        for (let r = 0; r < t; r++) {
          const i = rotated[r];
          const s = (x >>> (t - 1 - r)) & 1; // σ′_i
          const u = singleQubitUnitary(basis.charCodeAt(i));
          const e = 2 * samples[m * N + i] + s; // row: outcome σ_i, column: σ′_i
          const ur = u.re[e],
            ui = u.im[e];
          const nr = cr * ur - ci * ui;
          ci = cr * ui + ci * ur;
          cr = nr;
          v[i] = s;
        }
        // a model confined to a sector (src/nn/sector.ts) has ψ(σ′) = 0 outside it: no term
        if (sector !== null && hammingWeight(v, 0, N) !== sector) continue;
        configs.set(v, nTerms * N);
        let index = 0;
        for (let i = 0; i < N; i++) index = 2 * index + v[i];
        termIndex[nTerms] = index; // meaningful for N ≤ 32 (its users enumerate 2^N, N ≤ 24)
        uRe[nTerms] = cr;
        uIm[nTerms] = ci;
        nTerms++;
      }
      ensure(
        nTerms > termStart[termStart.length - 1],
        () =>
          `shot ${m} (basis ${basis}) is impossible for a state with ${sector} ones in every Z-basis configuration (the sector of the Z-basis shots): train with --sector off`,
      );
      termStart.push(nTerms);
    }
    pairOfShot[m] = p;
  }
  return {
    nQubits: N,
    nShots: M,
    pairOfShot,
    nPairs: basisOfPair.length,
    termStart: Uint32Array.from(termStart),
    configs: configs.slice(0, nTerms * N),
    termIndex: termIndex.slice(0, nTerms),
    uRe: uRe.slice(0, nTerms),
    uIm: uIm.slice(0, nTerms),
    bases: basisList,
    basisOfPair: Uint32Array.from(basisOfPair),
    basisOfShot: basisOfShotArr,
    shotsPerBasis,
  };
}

/**
 * Accumulates the positive phase of the complex NLL gradient over shots, in the concatenated
 * layout [λ | μ]. Shots that share a (basis, outcome) pair within a call are evaluated once with
 * their summed weight; for each pair the 2^t configurations σ′ get θ = c + Wᵀσ′ once per RBM,
 * which serves both the free energies (for ψ̃(σ′)) and the gradients.
 */
export class RotatedDataGradient {
  readonly table: RotatedShotTable;
  readonly amplitude: RBM;
  readonly phase: RBM;
  private readonly pairWeight: Float64Array;
  private readonly touched: Uint32Array;
  /** σ(θ) of each configuration σ′ of the pair being evaluated, per RBM. */
  private readonly probA: Float64Array[];
  private readonly probP: Float64Array[];
  private readonly tRe: Float64Array;
  private readonly tIm: Float64Array;
  private readonly logAbs: Float64Array;
  private readonly phi: Float64Array;
  /** Coefficients of Σ_σ′ coef(σ′) ∂F(σ′) per RBM (accumulateByEnumeration; allocated on first use). */
  private coefA = new Float64Array(0);
  private coefP = new Float64Array(0);

  constructor(amplitude: RBM, phase: RBM, table: RotatedShotTable) {
    ensure(
      amplitude.nVisible === table.nQubits && phase.nVisible === table.nQubits,
      "the RBMs and the shots have different numbers of qubits",
    );
    this.table = table;
    this.amplitude = amplitude;
    this.phase = phase;
    this.pairWeight = new Float64Array(table.nPairs);
    this.touched = new Uint32Array(table.nPairs);
    let maxTerms = 1;
    for (let p = 0; p < table.nPairs; p++) maxTerms = Math.max(maxTerms, table.termStart[p + 1] - table.termStart[p]);
    this.probA = Array.from({ length: maxTerms }, () => new Float64Array(amplitude.nHidden));
    this.probP = Array.from({ length: maxTerms }, () => new Float64Array(phase.nHidden));
    this.tRe = new Float64Array(maxTerms);
    this.tIm = new Float64Array(maxTerms);
    this.logAbs = new Float64Array(maxTerms);
    this.phi = new Float64Array(maxTerms);
  }

  /**
   * grad[0..nλ) += Σ_r weight · Re Σ w ∂F_λ,  grad[nλ..) += Σ_r weight · (−Im Σ w ∂F_μ) over the
   * shots shots[0..count). Returns Σ_r weight · (−log|ψ̃_b(σ_r)|²), the data term of the NLL.
   */
  accumulate(shots: ArrayLike<number>, count: number, weight: number, grad: Float64Array): number {
    return this.sumOverPairs(shots, count, weight, (p, w) => this.accumulatePair(p, w, grad));
  }

  /**
   * Groups shots[0..count) by (basis, outcome) pair, each with its summed weight, and returns
   * Σ_pairs perPair(pair, weight): shots that repeat a pair are evaluated once.
   */
  private sumOverPairs(
    shots: ArrayLike<number>,
    count: number,
    weight: number,
    perPair: (pair: number, weight: number) => number,
  ): number {
    const { pairOfShot } = this.table;
    const pw = this.pairWeight,
      touched = this.touched;
    let nTouched = 0;
    for (let r = 0; r < count; r++) {
      const p = pairOfShot[shots[r]];
      if (pw[p] === 0) touched[nTouched++] = p;
      pw[p] += weight;
    }
    let sum = 0;
    for (let q = 0; q < nTouched; q++) {
      const p = touched[q];
      sum += perPair(p, pw[p]);
      pw[p] = 0;
    }
    return sum;
  }

  /**
   * The same data term as accumulate() (and its return value), plus modelWeight · ⟨∂F_λ⟩_{p_λ}
   * (modelWeight = −1: the exact negative phase), by way of the full 2^N tables of −F_λ and −F_μ
   * (N ≤ MAX_EXACT_QUBITS). The pairs then need no free energies of their own: each term σ′ only
   * adds its weight Re w (λ) or −Im w (μ) to a coefficient of σ′, the model average adds p_λ(σ′)
   * to the λ coefficients, and one enumeration per RBM turns Σ_σ′ coef(σ′) ∂F(σ′) into the
   * gradient (addEnumeratedGradient). For small N this is far cheaper than per-term θ and
   * gradient rows, and the λ enumeration is shared with the negative phase.
   */
  accumulateByEnumeration(
    shots: ArrayLike<number>,
    count: number,
    weight: number,
    grad: Float64Array,
    modelWeight = 0,
  ): number {
    const A = this.amplitude,
      P = this.phase,
      N = this.table.nQubits;
    checkExactSize(N, "the enumerated rotated-basis gradient");
    const dim = 2 ** N;
    if (this.coefA.length !== dim) {
      this.coefA = new Float64Array(dim);
      this.coefP = new Float64Array(dim);
    }
    const coefA = this.coefA,
      coefP = this.coefP;
    const logpA = unnormalisedLogProbabilities(A); // −F_λ
    const logpP = unnormalisedLogProbabilities(P); // −F_μ
    const data = this.sumOverPairs(shots, count, weight, (p, w) => this.pairCoefficients(p, w, logpA, logpP));
    if (modelWeight !== 0) {
      const logZ = logSumExp(logpA);
      for (let k = 0; k < dim; k++) coefA[k] += modelWeight * Math.exp(logpA[k] - logZ);
    }
    const nA = A.params.length;
    addEnumeratedGradient(A, coefA, grad.subarray(0, nA));
    addEnumeratedGradient(P, coefP, grad.subarray(nA, nA + P.params.length));
    coefA.fill(0);
    coefP.fill(0);
    return data;
  }

  /** accumulatePair's weights w of pair p, added to coefA/coefP at the terms' basis indices. */
  private pairCoefficients(p: number, weight: number, logpA: Float64Array, logpP: Float64Array): number {
    const { termStart, termIndex, uRe, uIm } = this.table;
    const k0 = termStart[p],
      n = termStart[p + 1] - k0;
    const { tRe, tIm, coefA, coefP } = this;
    if (n === 1) {
      const k = termIndex[k0];
      coefA[k] += weight;
      return -weight * logpA[k];
    }
    let mx = -Infinity;
    for (let c = 0; c < n; c++) {
      const a = 0.5 * logpA[termIndex[k0 + c]];
      if (a > mx) mx = a;
    }
    let sRe = 0,
      sIm = 0;
    for (let c = 0; c < n; c++) {
      const k = termIndex[k0 + c];
      const a = Math.exp(0.5 * logpA[k] - mx),
        phi = 0.5 * logpP[k];
      const cr = a * Math.cos(phi),
        ci = a * Math.sin(phi);
      const ur = uRe[k0 + c],
        ui = uIm[k0 + c];
      tRe[c] = ur * cr - ui * ci;
      tIm[c] = ur * ci + ui * cr;
      sRe += tRe[c];
      sIm += tIm[c];
    }
    const s2 = sRe * sRe + sIm * sIm;
    if (!(s2 > 0)) return Infinity; // as in accumulatePair
    for (let c = 0; c < n; c++) {
      const k = termIndex[k0 + c];
      coefA[k] += (weight * (tRe[c] * sRe + tIm[c] * sIm)) / s2;
      coefP[k] -= (weight * (tIm[c] * sRe - tRe[c] * sIm)) / s2;
    }
    return -weight * (Math.log(s2) + 2 * mx);
  }

  private accumulatePair(p: number, weight: number, grad: Float64Array): number {
    const { termStart, configs, uRe, uIm, nQubits: N } = this.table;
    const A = this.amplitude,
      P = this.phase;
    const k0 = termStart[p],
      n = termStart[p + 1] - k0;
    const nA = A.params.length;
    const { probA, probP, tRe, tIm, logAbs, phi } = this;
    if (n === 1) {
      // All-Z shot: w = 1, so the term is the positive trainer's ∂F_λ(σ); the phase drops out.
      const f = freeEnergyAndProbabilities(A, configs, k0 * N, probA[0]);
      addGradientFromProbabilities(A, configs, k0 * N, weight, probA[0], grad, 0);
      return weight * f;
    }
    let mx = -Infinity;
    for (let c = 0; c < n; c++) {
      const off = (k0 + c) * N;
      logAbs[c] = -0.5 * freeEnergyAndProbabilities(A, configs, off, probA[c]);
      phi[c] = -0.5 * freeEnergyAndProbabilities(P, configs, off, probP[c]);
      if (logAbs[c] > mx) mx = logAbs[c];
    }
    // t_c = U(σ, σ′_c) ψ̃(σ′_c) e^{−mx} (the common factor cancels in w and is restored in log|S|²).
    let sRe = 0,
      sIm = 0;
    for (let c = 0; c < n; c++) {
      const a = Math.exp(logAbs[c] - mx),
        cr = a * Math.cos(phi[c]),
        ci = a * Math.sin(phi[c]);
      const ur = uRe[k0 + c],
        ui = uIm[k0 + c];
      tRe[c] = ur * cr - ui * ci;
      tIm[c] = ur * ci + ui * cr;
      sRe += tRe[c];
      sIm += tIm[c];
    }
    const s2 = sRe * sRe + sIm * sIm;
    // ψ̃_b(σ) = 0 exactly: the shot has zero probability under the model and log|ψ_b|² = −∞ has
    // no gradient to follow; skip it (it cannot happen for generic parameters).
    if (!(s2 > 0)) return Infinity;
    for (let c = 0; c < n; c++) {
      const off = (k0 + c) * N;
      // w = t / S = t · conj(S) / |S|²
      const wRe = (tRe[c] * sRe + tIm[c] * sIm) / s2;
      const wIm = (tIm[c] * sRe - tRe[c] * sIm) / s2;
      addGradientFromProbabilities(A, configs, off, weight * wRe, probA[c], grad, 0);
      addGradientFromProbabilities(P, configs, off, -weight * wIm, probP[c], grad, nA);
    }
    return -weight * (Math.log(s2) + 2 * mx);
  }
}
