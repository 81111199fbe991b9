/**
 * The training shots as blocks: all of them in memory (one block), or read block by block from a
 * file too large to hold (a ShotSource), so that memory stays bounded by one block.
 */
import type { ShotSource } from "../physics/measurements.js";

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
      this.buffer = { samples: new Uint8Array(rows * nQubits), bases: data.hasBases ? new Uint8Array(rows * nQubits) : null, rows };
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
    const rows = this.blockSize(b), N = this.nQubits, start = b * this.blockShots;
    this.stream.read(start, rows, this.buffer.samples);
    if (this.buffer.bases) this.stream.readBases!(start, rows, this.buffer.bases);
    return { samples: this.buffer.samples.subarray(0, rows * N), bases: this.buffer.bases?.subarray(0, rows * N) ?? null, rows };
  }
}
