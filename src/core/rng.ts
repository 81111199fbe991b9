/**
 * Seeded pseudo-random numbers for every stochastic part of qst.
 *
 * xoshiro128** (Blackman & Vigna) on 32-bit integers: four words of state, a handful of
 * integer operations per draw, and a state that can be saved in a checkpoint and restored
 * bit for bit. It is several times faster than seedrandom's generators in V8, which matters
 * because Gibbs sampling draws one uniform per unit per step.
 */

/** splitmix32: spreads a user seed over the four state words so that nearby seeds decorrelate. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_M32 = 1 / 4294967296;
const TWO_POW_M53 = 1 / 9007199254740992;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number = 0) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
    // Fold a seed of any size (up to 2^53) into 32 bits from both halves.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    const mix = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d));
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits as an unsigned integer. */
  uint32(): number {
    const s0 = this.s0,
      s1 = this.s1,
      s2 = this.s2,
      s3 = this.s3;
    const m = Math.imul(s1, 5);
    const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return r;
  }

  /** Uniform in [0, 1) with 32-bit resolution: enough to compare against a probability. */
  uniform(): number {
    return this.uint32() * TWO_POW_M32;
  }

  /** Uniform in [0, 1) with full double resolution. */
  uniform53(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_M53;
  }

  /** Integer uniform in [0, n), n ≤ 2^32, without modulo bias. */
  int(n: number): number {
    if (n <= 0) throw new Error(`int(n) needs n > 0, got ${n}`);
    // Accept x < limit = n·⌊2^32/n⌋ (the largest multiple of n not above 2^32), return x mod n.
    // Both are formed with a floored division instead of `%`: x and n are not int32 (x goes up
    // to 2^32 − 1), so V8 compiles `%` on them to a call of C's fmod, which made this the costliest
    // line of the per-epoch shuffle. The quotients are exact: for integers 0 ≤ x < 2^32 and
    // 0 < n ≤ 2^32, x/n is either an integer or at least 1/(n·⌊x/n⌋+n) > 2^-33 (relative) below
    // the next one, far above double rounding (2^-53), so Math.floor(x / n) = ⌊x/n⌋, and the
    // products and differences are integers below 2^33, exact as well: the same numbers as before.
    const limit = Math.floor(4294967296 / n) * n;
    let x: number;
    do x = this.uint32();
    while (x >= limit);
    return x - Math.floor(x / n) * n;
  }

  /** Standard normal deviate (Box–Muller; the second value is discarded for simplicity). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform53();
    const v = this.uniform53();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle of an index array in place. */
  shuffle(a: Uint32Array | Int32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** A new generator whose stream is independent of this one (for per-chain or per-worker use). */
  split(): Rng {
    const child = new Rng(0);
    child.setState([this.uint32(), this.uint32(), this.uint32(), this.uint32() | 1]);
    return child;
  }

  /** The four state words, for checkpoints. */
  getState(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  setState(state: readonly number[]): void {
    const word = (w: unknown) => Number.isInteger(w) && (w as number) >= -(2 ** 31) && (w as number) < 2 ** 32;
    if (!Array.isArray(state) && !ArrayBuffer.isView(state))
      throw new Error("an Rng state is four 32-bit words, not all zero");
    if (state.length !== 4 || !state.every(word) || state.every((w) => w >>> 0 === 0)) {
      throw new Error(
        `an Rng state is four 32-bit words, not all zero; got ${JSON.stringify(Array.from(state)).slice(0, 80)}`,
      );
    }
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
  }
}
