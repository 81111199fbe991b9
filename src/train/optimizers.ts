/**
 * First-order optimisers on a flat parameter vector. Each keeps its state in typed arrays so a
 * checkpoint can store it and a resumed run continues bit for bit.
 */

export type OptimizerName = "sgd" | "adam";

export interface OptimizerState {
  name: OptimizerName;
  /** Updates taken so far (Adam's bias correction needs it). */
  t: number;
  /** SGD: velocity; Adam: first moment. */
  m: number[];
  /** Adam: second moment (empty for SGD). */
  v: number[];
}

export interface Optimizer {
  readonly name: OptimizerName;
  /** params ← params − step(grad) with learning rate lr. */
  update(params: Float64Array, grad: Float64Array, lr: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
}

/** SGD with (heavy-ball) momentum: u ← μ u + g, λ ← λ − η u. */
export class Sgd implements Optimizer {
  readonly name = "sgd" as const;
  private velocity: Float64Array;
  private t = 0;
  constructor(
    size: number,
    private readonly momentum = 0,
  ) {
    this.velocity = new Float64Array(size);
  }
  update(params: Float64Array, grad: Float64Array, lr: number): void {
    const u = this.velocity,
      mu = this.momentum;
    for (let k = 0; k < params.length; k++) {
      u[k] = mu * u[k] + grad[k];
      params[k] -= lr * u[k];
    }
    this.t++;
  }
  getState(): OptimizerState {
    return { name: this.name, t: this.t, m: Array.from(this.velocity), v: [] };
  }
  setState(state: OptimizerState): void {
    this.t = state.t;
    this.velocity = Float64Array.from(state.m);
  }
}

/**
 * Adam (Kingma & Ba 2015). Its per-parameter step normalisation suits RBM tomography, where the
 * weight gradients are a few times larger than the bias gradients and the PCD noise floor sets
 * the useful step size.
 */
export class Adam implements Optimizer {
  readonly name = "adam" as const;
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;
  constructor(
    size: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  update(params: Float64Array, grad: Float64Array, lr: number): void {
    this.t++;
    const m = this.m,
      v = this.v,
      b1 = this.beta1,
      b2 = this.beta2,
      epsilon = this.epsilon;
    const c1 = 1 - Math.pow(b1, this.t),
      c2 = 1 - Math.pow(b2, this.t);
    const step = (lr * Math.sqrt(c2)) / c1;
    const a1 = 1 - b1,
      a2 = 1 - b2;
    // One pass, each moment read and written once (same operations and rounding as the textbook form).
    for (let k = 0, n = params.length; k < n; k++) {
      const g = grad[k];
      const mk = b1 * m[k] + a1 * g;
      const vk = b2 * v[k] + a2 * g * g;
      m[k] = mk;
      v[k] = vk;
      params[k] -= (step * mk) / (Math.sqrt(vk) + epsilon);
    }
  }
  getState(): OptimizerState {
    return { name: this.name, t: this.t, m: Array.from(this.m), v: Array.from(this.v) };
  }
  setState(state: OptimizerState): void {
    this.t = state.t;
    this.m = Float64Array.from(state.m);
    this.v = Float64Array.from(state.v);
  }
}

export function makeOptimizer(name: OptimizerName, size: number, momentum = 0.9): Optimizer {
  return name === "adam" ? new Adam(size) : new Sgd(size, momentum);
}
