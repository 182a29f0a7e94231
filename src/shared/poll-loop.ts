/**
 * One pass at a time, again every `pollMs`, and at once when woken: the loop the campaign runner
 * and the journey executor poll their leased rows with. A wake during a pass makes the pass run
 * once more when it ends (it may already have looked), instead of starting a second pass beside it.
 */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private passing: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly pollMs: number,
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** The pass under way, if any. */
  get current(): Promise<void> | undefined {
    return this.passing;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Runs a pass now rather than at the next poll. */
  wake(): void {
    if (!this.running) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.passing = this.pass().finally(() => {
      this.passing = undefined;
      if (!this.running) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else this.timer = setTimeout(() => this.wake(), this.pollMs);
    });
  }

  /** Makes the pass under way run once more when it ends. */
  passAgain(): void {
    this.again = true;
  }

  /** Resolves once no pass is under way. */
  async idle(): Promise<void> {
    while (this.passing) await this.passing;
  }

  /** No more passes; the one under way finishes (`idle` waits for it). */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }
}
