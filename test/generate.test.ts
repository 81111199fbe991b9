import { describe, it, expect } from "vitest";
import { buildModel, generateDataset } from "../src/physics/generate.js";
import { denseGroundState } from "../src/physics/groundstate.js";
import { chain, heisenberg, square, tfim, xxz } from "../src/physics/hamiltonians.js";
import { absMagnetization } from "../src/physics/states.js";
import { basisOfShot, torlaiBases } from "../src/physics/bases.js";
import { expectQstError } from "./helpers/errors.js";

describe("generateDataset", () => {
  it("produces the exact ground state, Z-basis shots and complete attributes (TFIM chain)", () => {
    const d = generateDataset({ model: "tfim", N: 8, h: 1.2, shots: 1000, bases: "Z", seed: 7 });
    const ref = denseGroundState(tfim(chain(8, "open"), { J: 1, h: 1.2 }));
    expect(d.samples).toBeInstanceOf(Uint8Array);
    expect(d.samples).toHaveLength(1000 * 8);
    expect(d.bases).toBeNull();
    expect(d.psi).toHaveLength(256);
    expect(d.nShots).toBe(1000);
    expect(d.nQubits).toBe(8);
    let overlap = 0;
    for (let i = 0; i < 256; i++) overlap += d.psi[i] * ref.psi[i];
    expect(overlap).toBeCloseTo(1, 10); // same state, same sign convention
    const a = d.attributes;
    expect(a).toMatchObject({
      model: "tfim",
      N: 8,
      J: 1,
      h: 1.2,
      lattice: "chain",
      boundary: "open",
      seed: 7,
      shots: 1000,
      basis_set: "Z",
      n_bases: 1,
      n_bonds: 7,
    });
    expect(a.energy as number).toBeCloseTo(ref.energy, 11);
    expect(a.energy_per_site as number).toBeCloseTo(ref.energy / 8, 11);
    expect(a.abs_magnetization as number).toBeCloseTo(absMagnetization(ref.psi), 10);
    expect(a.residual as number).toBeLessThan(1e-9);
    expect(a.lanczos_iterations as number).toBeGreaterThan(0);
    expect(typeof a.hamiltonian).toBe("string");
    expect(a.delta).toBeUndefined();
    for (const v of Object.values(a)) expect(["string", "number"]).toContain(typeof v);
  });

  it("is reproducible for a seed", () => {
    const opts = { model: "xxz" as const, N: 6, delta: 0.5, shots: 700, bases: "torlai" as const, seed: 3 };
    const a = generateDataset(opts);
    const b = generateDataset(opts);
    expect(Array.from(a.samples)).toEqual(Array.from(b.samples));
    expect(Array.from(a.bases!)).toEqual(Array.from(b.bases!));
    expect(Array.from(a.psi)).toEqual(Array.from(b.psi));
    const c = generateDataset({ ...opts, seed: 4 });
    expect(Array.from(a.samples)).not.toEqual(Array.from(c.samples));
  });

  it("records the torlai basis set and uses only its bases", () => {
    const N = 5;
    const d = generateDataset({ model: "heisenberg", N, boundary: "periodic", shots: 900, bases: "torlai", seed: 1 });
    expect(d.attributes).toMatchObject({
      model: "heisenberg",
      delta: 1,
      boundary: "periodic",
      basis_set: "torlai",
      n_bases: 9,
      n_bonds: 5,
    });
    const allowed = new Set(torlaiBases(N));
    for (let m = 0; m < 900; m++) expect(allowed.has(basisOfShot(d.bases, m, N))).toBe(true);
    expect(d.attributes.energy as number).toBeCloseTo(denseGroundState(heisenberg(chain(N, "periodic"))).energy, 11);
  });

  it("supports square lattices, explicit Lx, random and custom bases", () => {
    const sq = generateDataset({
      model: "tfim",
      N: 9,
      lattice: "square",
      boundary: "periodic",
      h: 3,
      shots: 200,
      bases: "random",
      seed: 2,
    });
    expect(sq.attributes).toMatchObject({ lattice: "square", Lx: 3, Ly: 3, n_bonds: 18, basis_set: "random" });
    expect(sq.bases).toHaveLength(200 * 9);
    expect(sq.attributes.energy as number).toBeCloseTo(
      denseGroundState(tfim(square(3, 3, "periodic"), { h: 3 })).energy,
      10,
    );
    const rect = generateDataset({
      model: "xxz",
      N: 8,
      lattice: "square",
      Lx: 4,
      delta: 2,
      shots: 100,
      bases: ["XXXXZZZZ", "ZZZZZZZZ"],
      seed: 2,
    });
    expect(rect.attributes).toMatchObject({
      Lx: 4,
      Ly: 2,
      n_bonds: 10,
      basis_set: "custom",
      n_bases: 2,
      bases_list: "XXXXZZZZ,ZZZZZZZZ",
    });
    expect(rect.attributes.energy as number).toBeCloseTo(
      denseGroundState(xxz(square(4, 2, "open"), { delta: 2 })).energy,
      10,
    );
    // A list of Z-only bases needs no basis array.
    expect(generateDataset({ model: "tfim", N: 3, shots: 10, bases: ["ZZZ"] }).bases).toBeNull();
  });

  it("builds the same Hamiltonian as the lattice/model builders", () => {
    const { hamiltonian, params } = buildModel({ model: "xxz", N: 6, J: 0.5, delta: -1, boundary: "periodic" });
    expect(hamiltonian.terms).toEqual(xxz(chain(6, "periodic"), { J: 0.5, delta: -1 }).terms);
    expect(params).toEqual({ model: "xxz", N: 6, J: 0.5, delta: -1, lattice: "chain", boundary: "periodic" });
  });

  it("validates every parameter with a clear QstError", () => {
    const base = { model: "tfim" as const, N: 4, shots: 10 };
    expectQstError(
      () => generateDataset({ ...base, model: "ising" as never }),
      'generateDataset: unknown model "ising"; use one of tfim, xxz, heisenberg',
    );
    expectQstError(() => generateDataset({ ...base, N: 1 }), "generateDataset: N must be an integer ≥ 2, got 1");
    expectQstError(() => generateDataset({ ...base, N: 4.5 }), "got 4.5");
    expectQstError(
      () => generateDataset({ ...base, N: 28 }),
      /generateDataset: N = 28 needs about 51\.5 GB .*use N ≤ 26/,
    );
    expectQstError(() => generateDataset({ ...base, h: NaN }), "generateDataset: h must be a finite number, got NaN");
    expectQstError(
      () => generateDataset({ ...base, J: Infinity }),
      "generateDataset: J must be a finite number, got Infinity",
    );
    expectQstError(
      () => generateDataset({ ...base, model: "xxz", delta: NaN }),
      "generateDataset: delta must be a finite number, got NaN",
    );
    expectQstError(() => generateDataset({ ...base, model: "xxz", h: 1 }), 'h applies only to model "tfim", not "xxz"');
    expectQstError(() => generateDataset({ ...base, delta: 1 }), 'delta applies only to models "xxz" and "heisenberg"');
    expectQstError(
      () => generateDataset({ ...base, model: "heisenberg", delta: 0.5 }),
      'model "heisenberg" has delta = 1; got delta = 0.5',
    );
    expectQstError(
      () => generateDataset({ ...base, lattice: "hex" as never }),
      'lattice must be "chain" or "square", got "hex"',
    );
    expectQstError(
      () => generateDataset({ ...base, boundary: "twisted" as never }),
      'boundary must be "open" or "periodic", got "twisted"',
    );
    expectQstError(
      () => generateDataset({ ...base, N: 8, lattice: "square" }),
      'lattice "square" needs N to be a perfect square, or Lx to be given; N = 8',
    );
    expectQstError(
      () => generateDataset({ ...base, N: 8, lattice: "square", Lx: 3 }),
      "Lx = 3 must be an integer ≥ 2 dividing N = 8",
    );
    expectQstError(() => generateDataset({ ...base, Lx: 2 }), 'Lx applies only to lattice "square"');
    expectQstError(
      () => generateDataset({ ...base, shots: 0 }),
      "generateDataset: shots must be a positive integer, got 0",
    );
    expectQstError(
      () => generateDataset({ ...base, bases: "XYZ" as never }),
      'bases must be "Z", "torlai", "all", "random" or an array',
    );
    expectQstError(
      () => generateDataset({ ...base, N: 4, lattice: "square", bases: "torlai" }),
      '"torlai" basis set is defined for chains',
    );
    expectQstError(() => generateDataset({ ...base, seed: -1 }), "seed must be a non-negative integer, got -1");
    expectQstError(() => generateDataset({ ...base, bases: ["ZZ"] }), 'bases[0] "ZZ" has 2 letters');
  });
});
