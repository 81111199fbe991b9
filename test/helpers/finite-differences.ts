/** Gradients against central finite differences, parameter by parameter. */

/**
 * The largest |(f(x + h e_k) − f(x − h e_k)) / 2h − grad_k| over the parameters, and the largest
 * |grad_k| (so a test can check the gradient is not trivially zero). The parameters are restored.
 */
export function finiteDifferenceError(
  params: Float64Array,
  grad: ArrayLike<number>,
  f: () => number,
  h = 1e-5,
): { maxErr: number; maxGrad: number } {
  let maxErr = 0,
    maxGrad = 0;
  for (let k = 0; k < params.length; k++) {
    const x = params[k];
    params[k] = x + h;
    const up = f();
    params[k] = x - h;
    const down = f();
    params[k] = x;
    maxErr = Math.max(maxErr, Math.abs((up - down) / (2 * h) - grad[k]));
    maxGrad = Math.max(maxGrad, Math.abs(grad[k]));
  }
  return { maxErr, maxGrad };
}
