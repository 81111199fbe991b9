/**
 * The chains' mixing monitor (src/train/mixing.ts), which decides when auto tempers: chains caught in
 * one magnetised half are slow even when they renew; a Hamming-weight histogram that is merely not
 * learnt yet (data in the S^z = 0 sector, chains that renew) alarms but does not temper.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { MixingMonitor } from "../src/train/mixing.js";

const N = 6;

/** Feeds `rows` data shots and `updates` chain populations (fresh random states from `draw`) over two epochs. */
function monitor(data: number[][], draw: (rng: Rng) => number[], chains = 100, updates = 50) {
  const m = new MixingMonitor(N),
    rng = new Rng(3);
  const shots = Uint8Array.from(data.flat()),
    batch = Uint32Array.from(data.keys());
  let summary = null;
  for (let epoch = 1; epoch <= 2; epoch++) {
    m.observeData(shots, batch, data.length, null);
    for (let u = 0; u < updates; u++)
      m.observeChains(Uint8Array.from(Array.from({ length: chains }, () => draw(rng)).flat()), chains);
    summary = m.endEpoch(epoch);
  }
  return summary!;
}

const randomOf = (configs: number[][]) => (rng: Rng) => configs[rng.int(configs.length)];
/** Every configuration of N sites with `ones` ones. */
function sector(ones: number): number[][] {
  const out: number[][] = [];
  for (let x = 0; x < 2 ** N; x++) {
    const v = Array.from({ length: N }, (_, i) => (x >> i) & 1);
    if (v.reduce((a, b) => a + b, 0) === ones) out.push(v);
  }
  return out;
}

describe("when auto tempers", () => {
  it("chains that renew but sit in one magnetised half: slow (tempering)", () => {
    // data: both halves, weights 1 and 5; chains: only the M < 0 half (weight 1), moving within it
    const data = [...sector(1), ...sector(5)];
    const s = monitor(data, randomOf(sector(1)));
    expect(s.renewal).toBeGreaterThan(0.7);
    expect(s.slow).toBe(true);
    expect(s.verdict).toMatch(/share of M < 0 among M ≠ 0: 1\.00 in the chains, 0\.50 in the data/);
    expect(s.stuck).toMatch(/share of M < 0/); // what the alarm reports during training
  });

  it("data in the S^z = 0 sector, chains not yet confined to it but renewing: an alarm, not a switch", () => {
    const data = sector(3);
    const s = monitor(data, randomOf([...sector(2), ...sector(3), ...sector(3), ...sector(4)]));
    expect(s.renewal).toBeGreaterThan(0.9);
    expect(s.hammingTV).toBeGreaterThan(0.2);
    expect(s.verdict).toMatch(/Hamming-weight histograms differ/);
    expect(s.verdict).not.toMatch(/share of M < 0/); // the data have M = 0 throughout: no balance to judge
    expect(s.slow).toBe(false);
    expect(s.stuck).toBeNull(); // the alarm waits for the end of training
  });

  it("chains frozen on a few configurations: slow", () => {
    const data = [...sector(2), ...sector(4)];
    // ten configurations for 100 chains: chain c holds configuration c mod 10 at every update
    const frozen = sector(2).slice(0, 10);
    let c = 0;
    const s = monitor(data, () => frozen[c++ % frozen.length]);
    expect(s.renewal).toBeLessThan(0.5);
    expect(s.slow).toBe(true);
  });
});

describe("observeChains", () => {
  it("counts the same whether the states are read two bytes at a time or one", () => {
    const run = (at: number) => {
      const m = new MixingMonitor(N),
        rng = new Rng(5),
        chains = 40;
      const shots = Uint8Array.from({ length: 30 * N }, () => rng.uint32() >>> 31);
      const buffer = new Uint8Array(chains * N + 1),
        visible = buffer.subarray(at, at + chains * N);
      for (let epoch = 1; epoch <= 2; epoch++) {
        m.observeData(
          shots,
          Uint32Array.from({ length: 30 }, (_, k) => k),
          30,
          null,
        );
        for (let u = 0; u < 20; u++) {
          // a few chains move at each update
          for (let k = 0; k < 12; k++) visible[rng.int(visible.length)] = rng.uint32() >>> 31;
          m.observeChains(visible, chains);
        }
        if (epoch === 2) return m.endEpoch(epoch);
        m.endEpoch(epoch);
      }
    };
    const pairs = run(0),
      bytes = run(1);
    expect(pairs).not.toBeNull();
    expect(pairs!.renewal).toBeGreaterThan(0);
    expect(bytes).toEqual(pairs);
  });
});
