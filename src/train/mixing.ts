/**
 * Does the negative phase mix? Cheap statistics of the chains set against the Z-basis shots, over
 * one epoch (the data's once: they do not change):
 *   - renewal: the fraction of chains whose configuration changed over one update (k sweeps),
 *     divided by 1 − Σ_x p_data(x)², the rate at which two independent draws from the data differ.
 *     Chains that sample p_λ ≈ p_data independently from update to update have renewal ≈ 1; chains
 *     stuck in a mode (GHZ, the ordered TFIM) or on single configurations of a sector (the W
 *     state, Heisenberg's S^z = 0) have renewal ≪ 1.
 *   - the balance of the sign of M = Σ_i (2v_i − 1), P(M < 0 | M ≠ 0), and the total variation
 *     between the Hamming-weight histograms: a chain population in one magnetised half shows here
 *     even when the chains move within it.
 * `verdict` names what disagrees beyond noise, or is null. The first epoch is not judged: the model
 * starts near uniform, so its chains differ from the data because it has not learnt them yet.
 * Thresholds from measurements (docs/training.md): chains that mix (TFIM h ≥ 1) have renewal ≥ 0.98
 * and a Hamming-weight distance ≤ 0.10 from the second epoch on.
 */
import { isZBasisRow } from "./shots.js";

/** Renewal below this: the chains do not move between the data's configurations. */
export const RENEWAL_ALARM = 0.5;
/** Shares of M < 0 among M ≠ 0 differing by more than this (and 4 binomial σ of the chains at one time). */
export const SIGN_ALARM = 0.15;
/** The data's share of shots with M ≠ 0 below which the balance of the two signs is not judged. */
const MIN_SIGNED_SHARE = 0.05;
/** Hamming-weight histograms further apart than this in total variation. */
export const HAMMING_ALARM = 0.2;
/** Renewal below this is slow enough for auto to temper (h = 0.5 TFIM chains: 0.7–0.8). */
export const RENEWAL_SLOW = 0.9;
/** Z-basis shots needed before the data are judged to lie in one magnetisation sector. */
export const MIN_SECTOR_SHOTS = 100;

export interface MixingSummary {
  renewal: number;
  /** P(M < 0), P(M = 0), P(M > 0) over the data and over the chains' states of the epoch. */
  signData: number[];
  signChains: number[];
  hammingTV: number;
  /** What disagrees beyond noise, or null. */
  verdict: string | null;
  /**
   * The part of the verdict that says the chains do not move between modes (slow renewal, the
   * magnetised halves out of balance), or null: what tempering is for, and what the alarm reports
   * during training. The rest (a Hamming-weight histogram that differs while the chains renew) says
   * the model has not fitted the data yet.
   */
  stuck: string | null;
  /** Renewal below RENEWAL_SLOW, or the magnetised halves out of balance: auto tempers. */
  slow: boolean;
}

export class MixingMonitor {
  private readonly nV: number;
  /** Data: Hamming-weight counts of the Z-basis shots and Σ_x n_x(n_x − 1) for the collision rate. */
  private dataHamming: Float64Array;
  private dataCollisionRate = NaN;
  private counting: Map<string | number, number> | null = new Map();
  private dataShots = 0;
  private chainsHamming: Float64Array;
  private chainStates = 0;
  private moved = 0;
  private compared = 0;
  private updates = 0;
  private previous: Uint8Array | null = null;
  /** 16-bit views of the chains' and the previous states (observeChains), by the byte array they view. */
  private views16 = new WeakMap<Uint8Array, Uint16Array>();

  constructor(nVisible: number) {
    this.nV = nVisible;
    this.dataHamming = new Float64Array(nVisible + 1);
    this.chainsHamming = new Float64Array(nVisible + 1);
  }

  /** Shots batch[0..count) of a block; rows in rotated bases are skipped. Counted in the first epoch only. */
  observeData(shots: Uint8Array, batch: Uint32Array, count: number, bases: Uint8Array | null): void {
    if (!this.counting) return;
    const nV = this.nV;
    for (let m = 0; m < count; m++) {
      const at = batch[m] * nV;
      if (bases && !isZBasisRow(bases, at, nV)) continue;
      let weight = 0,
        key: string | number = 0;
      if (nV <= 48) {
        for (let i = 0; i < nV; i++) {
          weight += shots[at + i];
          key = key * 2 + shots[at + i];
        }
      } else {
        for (let i = 0; i < nV; i++) weight += shots[at + i];
        key = shots.subarray(at, at + nV).join("");
      }
      this.dataHamming[weight]++;
      this.counting.set(key, (this.counting.get(key) ?? 0) + 1);
      this.dataShots++;
    }
  }

  /**
   * The one Hamming weight that every Z-basis shot counted so far has, strictly between 0 and N: the
   * data lie in a sector of fixed magnetisation (e.g. the Heisenberg chain's S^z = 0). Null when the
   * weights differ, when fewer than MIN_SECTOR_SHOTS Z-basis shots were seen, or for a product state.
   */
  dataSector(): number | null {
    return sectorOf(this.dataHamming, this.dataShots);
  }

  /** The chains' states to compare the next update's with, uncounted (a resumed run's restored chains). */
  rememberChains(visible: Uint8Array): void {
    this.previous = visible.slice();
  }

  /** The chains after an update's sweeps (chain-major, 0/1 bytes). */
  observeChains(visible: Uint8Array, nChains: number): void {
    const nV = this.nV,
      n = nChains * nV;
    const prev = this.previous;
    if (prev && prev.length === n) {
      // the usual case, in one pass that also keeps the states for the next call; 0/1 bytes two at a
      // time where the rows allow (W1, N = 10: 0.8 µs per call, was 2.0)
      const hamming = this.chainsHamming;
      let moved = 0;
      const pairs = nV % 2 === 0 && visible.byteOffset % 2 === 0 && prev.byteOffset % 2 === 0 && nV < 512;
      if (pairs) {
        const v16 = this.view16(visible, n),
          p16 = this.view16(prev, n),
          len = nV >> 1;
        for (let c = 0, i = 0; c < nChains; c++) {
          let sum = 0,
            changed = 0;
          for (const end = i + len; i < end; i++) {
            const x = v16[i];
            sum += x;
            changed |= x ^ p16[i];
            p16[i] = x;
          }
          hamming[(sum & 0xff) + (sum >>> 8)]++;
          if (changed !== 0) moved++;
        }
      } else {
        for (let c = 0, i = 0; c < nChains; c++) {
          let weight = 0,
            changed = 0;
          for (const end = i + nV; i < end; i++) {
            const x = visible[i];
            weight += x;
            changed |= x ^ prev[i];
            prev[i] = x;
          }
          hamming[weight]++;
          moved += changed;
        }
      }
      this.moved += moved;
      this.compared += nChains;
      this.chainStates += nChains;
      this.updates++;
      return;
    }
    for (let c = 0; c < nChains; c++) {
      let weight = 0,
        changed = 0;
      for (let i = c * nV; i < (c + 1) * nV; i++) {
        weight += visible[i];
        if (prev) changed |= visible[i] ^ prev[i];
      }
      this.chainsHamming[weight]++;
      if (prev) this.moved += changed;
    }
    if (prev) this.compared += nChains;
    this.chainStates += nChains;
    this.updates++;
    if (!prev || prev.length !== n) this.previous = visible.slice(0, n);
    else prev.set(visible.subarray(0, n));
  }

  /** `bytes[0..n)` as 16-bit units (n even, offset even), the view kept for the next call. */
  private view16(bytes: Uint8Array, n: number): Uint16Array {
    const kept = this.views16.get(bytes);
    if (kept && kept.length === n >> 1) return kept;
    const view = new Uint16Array(bytes.buffer, bytes.byteOffset, n >> 1);
    this.views16.set(bytes, view);
    return view;
  }

  /**
   * The statistics of `epoch`, after which the chains' counts start again (the data's are kept);
   * null when nothing was measured or for the first epoch.
   */
  endEpoch(epoch: number): MixingSummary | null {
    if (this.counting && this.dataShots > 0) {
      let pairs = 0;
      for (const n of this.counting.values()) pairs += n * (n - 1);
      this.dataCollisionRate = this.dataShots > 1 ? pairs / (this.dataShots * (this.dataShots - 1)) : 1;
      this.counting = null;
    }
    const summary = epoch > 1 && this.dataShots > 0 && this.compared > 0 ? this.summary() : null;
    this.chainsHamming.fill(0);
    this.chainStates = this.moved = this.compared = this.updates = 0;
    return summary;
  }

  private summary(): MixingSummary {
    const N = this.nV,
      dataH = this.dataHamming,
      chainH = this.chainsHamming;
    const signOf = (h: Float64Array, total: number) => {
      const s = [0, 0, 0];
      for (let w = 0; w <= N; w++) s[Math.sign(2 * w - N) + 1] += h[w] / total;
      return s;
    };
    const signData = signOf(dataH, this.dataShots),
      signChains = signOf(chainH, this.chainStates);
    let hammingTV = 0;
    for (let w = 0; w <= N; w++) hammingTV += Math.abs(dataH[w] / this.dataShots - chainH[w] / this.chainStates) / 2;
    const distinct = 1 - this.dataCollisionRate;
    const renewal = distinct > 0.05 ? this.moved / this.compared / distinct : NaN;
    const problems: string[] = [];
    const renewalProblem = `the chains renew ${fmtRate(renewal)} as often as independent draws would`;
    if (renewal < RENEWAL_ALARM) problems.push(renewalProblem);
    // The balance of the two magnetised halves, P(M < 0 | M ≠ 0): chains caught in one half show here
    // even when they move within it. Judged only where the data have both signs to speak of (the S^z = 0
    // shots of a Heisenberg state have M = 0 throughout), against the binomial noise of the chains at
    // one time that have M ≠ 0.
    const chains = this.chainStates / this.updates;
    const dataSigned = signData[0] + signData[2],
      chainsSigned = signChains[0] + signChains[2];
    let halvesProblem: string | null = null;
    if (dataSigned >= MIN_SIGNED_SHARE && chainsSigned > 0) {
      const pData = signData[0] / dataSigned,
        pChains = signChains[0] / chainsSigned;
      const sigma = Math.sqrt(Math.max(pData * (1 - pData), 1e-4) / Math.max(chains * chainsSigned, 1));
      const d = Math.abs(pChains - pData);
      if (d > SIGN_ALARM && d > 4 * sigma) {
        halvesProblem = `share of M < 0 among M ≠ 0: ${fmtRate(pChains)} in the chains, ${fmtRate(pData)} in the data`;
        problems.push(halvesProblem);
      }
    }
    if (hammingTV > HAMMING_ALARM)
      problems.push(`Hamming-weight histograms differ by ${fmtRate(hammingTV)} (total variation)`);
    const verdict = problems.length ? problems.join("; ") : null;
    // Tempering is for chains that do not move between modes: slow renewal, or one magnetised half
    // over-represented. A Hamming-weight histogram that differs but chains that renew well mean a model
    // that has not learnt the data yet (the W state, the complex model's first epochs), which tempering
    // does not help: that goes to the alarm only.
    const stuckProblems = [renewal < RENEWAL_ALARM ? renewalProblem : null, halvesProblem].filter((x) => x !== null);
    return {
      renewal,
      signData,
      signChains,
      hammingTV,
      verdict,
      stuck: stuckProblems.length ? stuckProblems.join("; ") : null,
      slow: renewal < RENEWAL_SLOW || halvesProblem !== null,
    };
  }
}

/**
 * The one Hamming weight of a histogram of Z-basis shots (index = number of ones), strictly between 0
 * and N, or null: several weights, fewer than MIN_SECTOR_SHOTS shots, or a product state.
 */
function sectorOf(hamming: Float64Array, shots: number): number | null {
  if (shots < MIN_SECTOR_SHOTS) return null;
  const weights = [...hamming.keys()].filter((w) => hamming[w] > 0);
  return weights.length === 1 && weights[0] > 0 && weights[0] < hamming.length - 1 ? weights[0] : null;
}

/** The magnetisation sector of the Z-basis rows among `nShots` shots (see sectorOf), by one pass over them. */
export function dataSector(samples: Uint8Array, bases: Uint8Array | null, nShots: number, nV: number): number | null {
  const hamming = new Float64Array(nV + 1);
  let counted = 0;
  for (let m = 0; m < nShots; m++) {
    const at = m * nV;
    if (bases && !isZBasisRow(bases, at, nV)) continue;
    let weight = 0;
    for (let i = at; i < at + nV; i++) weight += samples[i];
    hamming[weight]++;
    counted++;
  }
  return sectorOf(hamming, counted);
}

function fmtRate(x: number): string {
  return Number.isFinite(x) ? x.toFixed(2) : "n/a";
}
