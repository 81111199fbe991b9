/**
 * Callbacks of Driver.run(): what happens around the epochs without the loop knowing about it.
 * Here the ones that need nothing but the driver; the JSON-lines log and checkpoints, which write
 * qst's file formats, are in src/io/training-files.ts.
 */
import type { Model } from "../nn/model.js";
import { ZBasisShots } from "./cycles.js";
import type { Callback, Driver, EpochRecord } from "./driver.js";

/** Numbers a metrics function returns; undefined or non-finite values are left out of the record. */
export type MetricValues = Record<string, number | undefined>;

/**
 * Evaluates `metrics(driver)` every `every` epochs and after the last one (every = 0: only after
 * the last), adding the finite values to that epoch's record. The latest values stay in `last`.
 */
export class EvaluateEvery<M extends Model = Model> implements Callback<M> {
  last: Record<string, number> = {};

  constructor(
    private readonly every: number,
    private readonly metrics: (driver: Driver<M>) => MetricValues,
  ) {}

  onEpochEnd(driver: Driver<M>, record: EpochRecord): void {
    const e = record.epoch;
    if (!((this.every > 0 && e % this.every === 0) || e === driver.plannedEpochs)) return;
    this.last = finiteValues(this.metrics(driver));
    Object.assign(record, this.last);
  }
}

/** The finite numbers of a metrics object, the usual four first. */
export function finiteValues(m: MetricValues): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ["fidelity", "kl", "nll", "logZ"]) if (m[k] !== undefined && Number.isFinite(m[k])) out[k] = m[k]!;
  for (const [k, v] of Object.entries(m)) if (!(k in out) && typeof v === "number" && Number.isFinite(v)) out[k] = v;
  return out;
}

/** Stops the run after epoch `epoch` (to split a long run over batch-queue slots). */
export class StopAfter implements Callback {
  constructor(private readonly epoch: number) {}

  onEpochEnd(driver: Driver): void {
    if (driver.epoch >= this.epoch) driver.requestStop("stop-after");
  }
}

/**
 * Ctrl-C and SIGTERM end the run after the current epoch (with whatever the other callbacks do
 * when a run stops, e.g. a checkpoint); a second signal leaves at once with exit code 130
 * (outputs are written atomically, so nothing is left half-written).
 */
export class StopOnSignals implements Callback {
  private handlers: [NodeJS.Signals, () => void][] = [];

  constructor(
    private readonly onFirst: (signal: NodeJS.Signals) => void = () => {},
    private readonly signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"],
  ) {}

  onStart(driver: Driver): void {
    this.handlers = this.signals.map((signal) => [
      signal,
      () => {
        if (driver.stopRequested !== null) process.exit(130);
        driver.requestStop(signal);
        this.onFirst(signal);
      },
    ]);
    for (const [signal, handler] of this.handlers) process.on(signal, handler);
  }

  onEnd(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers = [];
  }
}

/**
 * Keeps a copy of the parameters at the epoch with the lowest `metric` in the record (e.g. the
 * held-out NLL "val_nll"; epochs without it are skipped), so that a run can return its best model
 * rather than its last.
 */
export class KeepBest implements Callback {
  best: { epoch: number; value: number; params: Float64Array } | null = null;

  constructor(readonly metric: string) {}

  onEpochEnd(driver: Driver, record: EpochRecord): void {
    const value = record[this.metric];
    if (value === undefined || !Number.isFinite(value)) return;
    if (this.best === null || value < this.best.value)
      this.best = { epoch: record.epoch, value, params: driver.model.params.slice() };
  }
}

/**
 * Ends the run when `metric` has not improved on its best value by more than `minDelta` in
 * `patience` consecutive evaluations (epochs whose record has it).
 */
export class EarlyStopping implements Callback {
  private best = Infinity;
  private stale = 0;

  constructor(
    readonly metric: string,
    private readonly patience: number,
    private readonly minDelta = 0,
  ) {}

  onEpochEnd(driver: Driver, record: EpochRecord): void {
    const value = record[this.metric];
    if (value === undefined || !Number.isFinite(value)) return;
    if (value < this.best - this.minDelta) {
      this.best = value;
      this.stale = 0;
    } else if (++this.stale >= this.patience) {
      driver.requestStop(`early stopping: ${this.metric} has not improved for ${this.patience} evaluations`);
    }
  }
}

/**
 * The mode-collapse alarm: after every epoch, the chains' mixing statistics (Driver.mixing,
 * src/train/mixing.ts) against the data. One line on `write` when auto switches to tempering, and
 * a warning with a hint the first time the chains disagree with the data two epochs running (one
 * epoch may be the model still learning, or tempered chains still spreading after a switch). The
 * record of a flagged epoch gets `mixing_alarm: 1`; `alarm` keeps the first warning (for --json).
 */
export class MixingAlarm implements Callback {
  alarm: string | null = null;
  private flaggedBefore = false;

  constructor(private readonly write: (line: string) => void) {}

  onEpochEnd(driver: Driver, record: EpochRecord): void {
    const report = driver.average.report(),
      mixing = driver.mixing;
    if (report.exchange && report.exchange.fromEpoch === record.epoch && record.epoch > 0)
      this.write(
        `qst: epoch ${record.epoch}: every Z-basis shot has the same number of ones (one magnetisation sector, where Gibbs sweeps move slowly); adding exchange moves to the chains` +
          // streamed shots are judged only now, after the model was made: it is not confined to the sector
          (driver.shots.stream && driver.options.sector === "auto"
            ? " (streamed shots: the model is not confined to the sector; --no-stream confines it)"
            : ""),
      );
    if (report.switchedAtEpoch === record.epoch) {
      const why = mixing?.stuck ?? `the chains renew ${mixing?.renewal.toFixed(2)} as often as independent draws would`;
      this.write(`qst: epoch ${record.epoch}: the Gibbs chains do not mix (${why}); switching to parallel tempering`);
      this.flaggedBefore = false;
      return;
    }
    // Chains that do not move between modes are reported when it lasts two epochs. A histogram that
    // differs while the chains renew is a model still learning, reported only if it lasts to the end.
    const last = record.epoch === driver.plannedEpochs;
    const flagged = mixing?.stuck != null || (last && mixing?.verdict != null);
    if (flagged) record.mixing_alarm = 1;
    if (flagged && (this.flaggedBefore || last) && this.alarm === null) {
      const stuck = mixing!.stuck != null;
      const hint = !stuck
        ? "the chains renew, so the model itself has not fitted the data: it may need more --epochs or --hidden units"
        : report.negativePhase === "pt"
          ? "even the tempered chains disagree with the data: the model may need more --epochs or --hidden units"
          : `the chains may be stuck in some modes of p_λ, which biases the gradient: ${tryInstead(driver)}`;
      this.alarm = `epoch ${record.epoch}: the negative phase's chains disagree with the data: ${stuck ? mixing!.stuck : mixing!.verdict}`;
      this.write(`qst: warning: ${this.alarm}; ${hint}`);
    }
    this.flaggedBefore = flagged;
  }
}

/**
 * The remedy for chains that miss modes: tempering, which a model confined to a magnetisation sector
 * does not have (src/sample/tempering.ts); its exchange chains get more sweeps instead.
 */
function tryInstead(driver: Driver): string {
  return driver.model.amplitude.sector === null
    ? "try --negative-phase pt (or auto)"
    : "the model is confined to a magnetisation sector, which tempering does not cover: try a larger -k (exchange sweeps per update), or --sector off";
}

/** A rise of the Z-basis NLL above its lowest by more than this (nats per shot): the mass has left the data. */
export const NLL_ESCAPE = 1;

/**
 * The likelihood watch: every `every` epochs (and after the last), the exact NLL per shot of the
 * Z-basis shots under the amplitude, −log p_λ(v) with log Z by enumeration (N ≤ 20), as `nll_z` in the
 * record. Chains that never visit a region of p_λ let probability grow there unopposed: the mass leaves
 * the data and their NLL rises, while the chains, which do not see the new mode, still agree with the
 * data on every statistic the mixing monitor looks at (measured: a Heisenberg chain N = 14 with PCD
 * and more exchange moves per update went from 6.7 to 17 nats per shot in ten epochs, F 0.82 → 10⁻¹³,
 * chains renewing at 0.97). A rise of more than NLL_ESCAPE above the lowest value so far gives one
 * warning line; under negativePhase "auto" the chains switch to parallel tempering, whose hot replicas
 * reach such regions. Positive and complex models; shots in memory.
 */
export class LikelihoodWatch implements Callback {
  alarm: string | null = null;
  private readonly zShots: ZBasisShots;

  constructor(
    samples: Uint8Array,
    bases: Uint8Array | null,
    nQubits: number,
    private readonly every: number,
    private readonly write: (line: string) => void,
  ) {
    this.zShots = new ZBasisShots(samples, bases, nQubits);
  }

  /** Whether the watch can run: Z-basis shots, and N small enough to enumerate. */
  get active(): boolean {
    return this.zShots.exact;
  }

  onEpochEnd(driver: Driver, record: EpochRecord): void {
    const e = record.epoch;
    if (!this.active || driver.model.kind === "density") return;
    if (!((this.every > 0 && e % this.every === 0) || e === driver.plannedEpochs)) return;
    // at a cycle's end the driver has just computed it (src/train/cycles.ts)
    const nll = record.cycle_nll_z ?? this.zShots.nll(driver.model.amplitude);
    record.nll_z = nll;
    // the lowest value so far lives in the chains' checkpointed state: a resumed run decides the same
    const rose = driver.average.nllRose?.(e, nll, NLL_ESCAPE) ?? null;
    if (rose && this.alarm === null) {
      this.alarm = `epoch ${e}: the Z-basis shots' NLL rose from ${rose.from.toFixed(3)} to ${nll.toFixed(3)} per shot: probability has moved away from the data, into configurations the chains do not visit`;
      this.write(
        `qst: warning: ${this.alarm}; ${rose.switched ? "switching to parallel tempering" : tryInstead(driver)}`,
      );
    }
  }
}
