/**
 * The training shots as blocks: all of them in memory (one block), or read block by block from a
 * file too large to hold (a ShotSource), so that memory stays bounded by one block.
 */
import { QstError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { ShotSource, Shots } from "../physics/measurements.js";

/** Shots per block when the data are streamed from a file: 2^20 rows. */
export const STREAM_BLOCK_SHOTS = 1 << 20;

/** One block of shots: outcomes (rows × N, 0/1) and their bases (ASCII X/Y/Z codes, or null = all Z). */
export interface ShotBlock {
  samples: Uint8Array;
  bases: Uint8Array | null;
  rows: number;
}

export class ShotBlocks {
  readonly nShots: number;
  readonly nQubits: number;
  /** True when every shot was measured in Z (no rotated-basis gradient needed). */
  readonly zBasisOnly: boolean;
  /** The file the blocks are read from, or null when every shot is in memory. */
  readonly stream: ShotSource | null;
  readonly blockShots: number;
  private readonly buffer: ShotBlock;

  /**
   * `data` is either every shot in memory or a ShotSource read in blocks of `blockShots` rows. The
   * in-memory arrays are used as they are (not copied).
   */
  constructor(
    data: { samples: Uint8Array; bases: Uint8Array | null } | ShotSource,
    nQubits: number,
    blockShots = STREAM_BLOCK_SHOTS,
  ) {
    this.nQubits = nQubits;
    if ("read" in data) {
      this.stream = data;
      this.nShots = data.nShots;
      this.zBasisOnly = !data.hasBases;
      this.blockShots = Math.max(1, Math.min(blockShots, this.nShots));
      const rows = this.blockShots;
      this.buffer = {
        samples: new Uint8Array(rows * nQubits),
        bases: data.hasBases ? new Uint8Array(rows * nQubits) : null,
        rows,
      };
    } else {
      this.stream = null;
      this.nShots = data.samples.length / nQubits;
      this.zBasisOnly = data.bases === null;
      this.blockShots = this.nShots;
      this.buffer = { samples: data.samples, bases: data.bases, rows: this.nShots };
    }
  }

  get nBlocks(): number {
    return this.stream ? Math.ceil(this.nShots / this.blockShots) : 1;
  }

  blockSize(b: number): number {
    return Math.min(this.blockShots, this.nShots - b * this.blockShots);
  }

  /** Block b (a view valid until the next load). In memory there is one block and nothing is read. */
  load(b: number): ShotBlock {
    if (!this.stream) return this.buffer;
    const rows = this.blockSize(b),
      N = this.nQubits,
      start = b * this.blockShots;
    this.stream.read(start, rows, this.buffer.samples);
    if (this.buffer.bases) this.stream.readBases!(start, rows, this.buffer.bases);
    return {
      samples: this.buffer.samples.subarray(0, rows * N),
      bases: this.buffer.bases?.subarray(0, rows * N) ?? null,
      rows,
    };
  }
}

/**
 * Splits shots into a training set and a held-out set of round(fraction · M) shots drawn at random
 * (from `seed`); both keep the shots' order and their bases.
 */
export function holdOut(shots: Shots, fraction: number, seed: number): { train: Shots; heldOut: Shots } {
  if (!(fraction > 0 && fraction < 1)) throw new QstError(`the held-out fraction must be in (0, 1), got ${fraction}`);
  const M = shots.nShots,
    N = shots.nQubits,
    nHeld = Math.round(fraction * M);
  if (nHeld < 1 || nHeld >= M)
    throw new QstError(
      `holding out ${fraction} of ${M} shots leaves ${nHeld === 0 ? "no held-out" : "no training"} shots`,
    );
  const order = Uint32Array.from({ length: M }, (_, m) => m);
  new Rng(seed).shuffle(order);
  const held = new Uint8Array(M);
  for (let k = 0; k < nHeld; k++) held[order[k]] = 1;
  const pick = (keep: 0 | 1, count: number): Shots => {
    const samples = new Uint8Array(count * N),
      bases = shots.bases ? new Uint8Array(count * N) : null;
    for (let m = 0, r = 0; m < M; m++) {
      if (held[m] !== keep) continue;
      samples.set(shots.samples.subarray(m * N, (m + 1) * N), r * N);
      bases?.set(shots.bases!.subarray(m * N, (m + 1) * N), r * N);
      r++;
    }
    return { nShots: count, nQubits: N, samples, bases };
  };
  return { train: pick(0, M - nHeld), heldOut: pick(1, nHeld) };
}

/**
 * A bootstrap resample: M shots drawn with replacement from the M given (with their bases), from
 * `seed`. Training one model per resample gives the spread that finite shots cause in a
 * reconstruction (Efron's bootstrap).
 */
export function bootstrapShots(shots: Shots, seed: number): Shots {
  const M = shots.nShots,
    N = shots.nQubits,
    rng = new Rng(seed);
  const samples = new Uint8Array(M * N),
    bases = shots.bases ? new Uint8Array(M * N) : null;
  for (let r = 0; r < M; r++) {
    const m = rng.int(M);
    samples.set(shots.samples.subarray(m * N, (m + 1) * N), r * N);
    bases?.set(shots.bases!.subarray(m * N, (m + 1) * N), r * N);
  }
  return { nShots: M, nQubits: N, samples, bases };
}

/** The seeds of member i: one for resampling the shots, one for training. */
export function memberSeeds(seed: number, i: number): { resample: number; train: number } {
  // Distinct, well-spread 31-bit integers for every (seed, i, role).
  const mix = (x: number) => {
    let z = (x + 0x9e3779b9) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 1;
  };
  const base = mix(seed ^ mix(i));
  return { resample: mix(base ^ 0x5bd1e995), train: mix(base ^ 0x27d4eb2d) };
}

/** Member i of a bootstrap ensemble with seed `seed`: its resampled shots and its training seed. */
export function bootstrapMember(shots: Shots, seed: number, i: number): { shots: Shots; trainSeed: number } {
  const s = memberSeeds(seed, i);
  return { shots: bootstrapShots(shots, s.resample), trainSeed: s.train };
}

/**
 * Member i of a half-sample ensemble (the m-out-of-n bootstrap with m = n/2: Bickel, Götze & van
 * Zwet, Statistica Sinica 7, 1 (1997)): half of the shots drawn without replacement, and a training
 * seed. Unlike a resample of all n shots, a half-sample shows how the reconstruction changes when
 * the data shrink, which is where its finite-shot bias comes from (src/estimate/ensemble.ts).
 */
export function halfSampleMember(shots: Shots, seed: number, i: number): { shots: Shots; trainSeed: number } {
  const s = memberSeeds(seed, i);
  return { shots: holdOut(shots, 0.5, s.resample).heldOut, trainSeed: s.train };
}

/** Whether shot row `at` (of n qubits) of a bases array was measured in Z on every qubit. */
export function isZBasisRow(bases: Uint8Array, at: number, n: number): boolean {
  for (let i = at; i < at + n; i++) if (bases[i] !== 90 /* Z */) return false;
  return true;
}
