/**
 * A progress line on stderr: a bar with ETA and live metrics, redrawn in place on a terminal;
 * on a pipe or log file (CI, batch jobs) a plain line at most every few seconds instead.
 */
export class Progress {
  private readonly start = performance.now();
  private lastPlain = 0;
  private readonly tty = Boolean(process.stderr.isTTY);
  constructor(
    private total: number,
    private readonly label: string,
    private readonly quiet = false,
  ) {}

  /** `total`: a new total (a run that decides its length as it goes). */
  update(done: number, metrics: Record<string, number | undefined> = {}, total = this.total): void {
    this.total = total;
    if (this.quiet) return;
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const m = Object.entries(metrics)
      .filter(([, v]) => v !== undefined && Number.isFinite(v))
      .map(([k, v]) => `${k} ${formatMetric(v!)}`)
      .join("  ");
    if (this.tty) {
      const width = 24,
        filled = Math.round((width * done) / this.total);
      const bar = "█".repeat(filled) + "░".repeat(width - filled);
      process.stderr.write(
        `\r\x1b[K${this.label} ${bar} ${done}/${this.total}  ${formatTime(elapsed)} elapsed, ETA ${formatTime(eta)}  ${m}`,
      );
    } else if (elapsed - this.lastPlain >= 5 || done === this.total) {
      this.lastPlain = elapsed;
      process.stderr.write(
        `${this.label} ${done}/${this.total}  ${formatTime(elapsed)} elapsed, ETA ${formatTime(eta)}  ${m}\n`,
      );
    }
  }

  done(): void {
    if (!this.quiet && this.tty) process.stderr.write("\n");
  }
}

function formatMetric(v: number): string {
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2);
}

export function formatTime(s: number): string {
  if (!Number.isFinite(s)) return "--:--";
  const m = Math.floor(s / 60),
    sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m` : `${m}:${String(sec).padStart(2, "0")}`;
}
