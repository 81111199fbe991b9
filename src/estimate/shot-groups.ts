/**
 * Shots as the exact metrics read them: in memory or from a source block by block, grouped by the
 * basis they were measured in.
 */
import type { MeasurementData, ShotSource } from "../physics/measurements.js";
import { basisOfShot } from "../physics/bases.js";

/** Shots in memory, or a source that reads them block by block (files too large to load). */
export type Shots = Pick<MeasurementData, "samples" | "bases" | "nQubits"> | ShotSource;

/** Shots per block when the NLL of a ShotSource is accumulated. */
const BLOCK_SHOTS = 1 << 20;

/** Calls fn for each block of the shots: all of them at once when in memory. */
export function forEachBlock(
  shots: Shots,
  fn: (samples: Uint8Array, bases: Uint8Array | null, rows: number) => void,
): void {
  const N = shots.nQubits;
  if (!("read" in shots)) {
    fn(shots.samples, shots.bases, shots.samples.length / N);
    return;
  }
  const rows = Math.min(BLOCK_SHOTS, shots.nShots);
  const samples = new Uint8Array(rows * N);
  const bases = shots.hasBases ? new Uint8Array(rows * N) : null;
  for (let start = 0; start < shots.nShots; start += rows) {
    const count = Math.min(rows, shots.nShots - start);
    shots.read(start, count, samples);
    if (bases) shots.readBases!(start, count, bases);
    fn(samples.subarray(0, count * N), bases?.subarray(0, count * N) ?? null, count);
  }
}

export function hasBases(shots: Shots): boolean {
  return "read" in shots ? shots.hasBases : shots.bases !== null;
}

export function shotCount(shots: Shots): number {
  return "read" in shots ? shots.nShots : shots.samples.length / shots.nQubits;
}

/** Shots grouped by basis: the distinct bases in order of appearance and the shots of each. */
export function groupShotsByBasis(
  bases: Uint8Array | null,
  nShots: number,
  nQubits: number,
): { basis: string; shots: number[] }[] {
  if (!bases) return [{ basis: "Z".repeat(nQubits), shots: Array.from({ length: nShots }, (_, m) => m) }];
  const groups = new Map<string, number[]>();
  for (let m = 0; m < nShots; m++) {
    const b = basisOfShot(bases, m, nQubits);
    const g = groups.get(b);
    if (g) g.push(m);
    else groups.set(b, [m]);
  }
  return [...groups].map(([basis, shots]) => ({ basis, shots }));
}
