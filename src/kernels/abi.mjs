// The kernel ABI: every context struct that TypeScript fills and kernels.wat reads, by field name.
//
// A context is an array of i32 words; fields follow one another in the order listed (a field with
// `align` starts at a multiple of that many words), so reordering them changes the layout.
// kernels.wat names fields as `offset={ctx.vOff} (local.get $ctx)`, which assemble.mjs replaces by
// the byte offset; the resolved table is embedded in kernels-wasm.ts as KERNEL_ABI, which the
// TypeScript side writes through (writeContext in wasm.ts). Edit this file, then run
// `node src/kernels/assemble.mjs`.
//
// A field is its description (one word), or { words, align, doc }. Arrays are addresses into the
// same memory; "4gH" means nH rounded up to a multiple of 4 (padding units: weight 0).

export const CONTEXTS = {
  // the Gibbs sampler (src/sample/gibbs.ts)
  ctx: {
    nV: "visible units",
    nH: "hidden units",
    gV: "visible groups of four, ⌈nV/4⌉",
    gH: "hidden groups of four, ⌈nH/4⌉",
    Th: "f32 [gV][16][4gH] subset sums of Wf rows (group 0 includes c), then a zero row",
    Tv: "f32 [gH][16][4gV] subset sums of WfT rows (group 0 includes b), then a zero row",
    vOff: "i32 [chains][gV] visible state as byte offsets into Th",
    hOff: "i32 [chains][gH] hidden state as byte offsets into Tv",
    rng: "u32 [chains][4][4] xoshiro128+ words s0..s3, each for the four lanes",
    vis: "u8 [chains][nV] visible units",
    hid: "u8 [chains][nH] hidden units",
    Wf: "f32 [4gV][4gH] weights",
    WfT: "f32 [4gH][4gV] weights, transposed",
    bf: "f32 [4gV] visible biases (padding units −1e30: never on)",
    cf: "f32 [4gH] hidden biases (ditto)",
    raw: "f64 [nV nH + nV + nH] the RBM's parameters [W | b | c], copied in by syncWeights",
    noSmall: "1: never use the small-layer kernels $sweep_small4/3 (for tests)",
  },
  // the PCD gradient (src/kernels/gradient.ts)
  gctx: {
    nV: "visible units",
    nH: "hidden units",
    gV: "⌈nV/4⌉",
    gH: "⌈nH/4⌉",
    nQ: "sample groups of four in this call",
    nQmax: "sample groups of four there is room for",
    TH: "f64 [gV][16][4gH] subset sums of Wp rows (group 0 includes cp)",
    S: "u8 [4 nQmax][nV] samples: the batch, then the chains",
    w: "f64 [4 nQmax] sample weights (1/B, −1/C, 0 for padding)",
    sOff: "i32 [4 nQmax][gV] samples as byte offsets into TH",
    P: "f64 [4 nQmax][4gH + 2] w σ(θ), then w",
    U: "f64 [nQmax][16][4gH + 2] subset sums of P rows over groups of four samples",
    Q: "i32 [nV][nQmax] byte offsets into U",
    G: "f64 [nV][4gH + 2] Σ_s v_s P[s]",
    Wp: "f64 [4gV][4gH] weights",
    cp: "f64 [4gH] hidden biases",
    grad: "f64 [nV nH + nV + nH] the result, in the RBM's parameter layout",
    gc: "f64 [4gH + 2] Σ_s P[s]",
    raw: "f64 [nV nH + nV + nH] the parameters as given",
  },
  // exchange moves (src/sample/exchange.ts); chain c's rows of the per-chain arrays at c·(row length)
  xctx: {
    nV: "visible units",
    nH2: "hidden units rounded up to even: rows below are that long (padding unit: e^{±W} = 1, p = 0, q = 1)",
    vis: "u8 [chains][nV] visible units",
    eW: "f64 [nV][nH2] e^{W} (W clamped to ±354, so that e^{W_u}·e^{−W_d} stays finite and > 0)",
    emW: "f64 [nV][nH2] e^{−W} (ditto)",
    eb: "f64 [nV] e^{b} (b clamped to ±354)",
    emb: "f64 [nV] e^{−b}",
    rng: "u32 [chains][4] xoshiro128** words s0..s3, one stream per chain",
    cnt: "i32 [chains][2] ones w of the chain (0 or nV: no move), proposals accepted (added to)",
    pos: "i32 [chains][nV] the positions of the chain's ones, then of its zeros",
    p: "f64 [chains][nH2] σ(θ_j)",
    q: "f64 [chains][nH2] σ(−θ_j)",
    t: "f64 [chains][nH2] the last proposal's e^{Δθ_j}",
    f: "f64 [chains][nH2] the last proposal's factors q_j + p_j e^{Δθ_j}",
  },
  // exact enumeration (src/kernels/exact.ts)
  ectx: {
    n: "visible units",
    nVec: "θ vectors of two, ⌈nH/2⌉",
    W: "f64 [n][2 nVec] weights",
    b: "f64 [n] visible biases",
    c: "f64 [2 nVec] hidden biases",
    outF: "f64 [block] b·v + Σ max(θ, 0)",
    outP: "f64 [block] Π (1 + e^{−|θ|})",
    chunkLog2: "log2 of the configurations per chunk",
    kBlock: "Gray-code step at the start of this block",
    mask: { words: 4, align: 4, doc: "v128 lane mask of the last θ vector (lane 1 is padding if nH is odd)" },
  },
};

/**
 * { [context]: { bytes, fields: { [field]: { index, words } } } }: index in i32 words; bytes to
 * allocate (a multiple of 64, so that no other data shares the context's cache lines).
 */
export function resolveLayout(contexts = CONTEXTS) {
  const out = {};
  for (const [name, fields] of Object.entries(contexts)) {
    const resolved = {};
    let next = 0;
    for (const [field, spec] of Object.entries(fields)) {
      const { words = 1, align = 1 } = typeof spec === "string" ? {} : spec;
      const index = Math.ceil(next / align) * align;
      resolved[field] = { index, words };
      next = index + words;
    }
    out[name] = { bytes: Math.ceil((4 * next) / 64) * 64, fields: resolved };
  }
  return out;
}

export const KERNEL_ABI = resolveLayout();
