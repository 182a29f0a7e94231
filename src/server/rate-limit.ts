/**
 * Optional per-account request rate limits (token buckets), off unless configured. Excess requests
 * get TooManyRequestsException (429), which every AWS SDK retries with back-off.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst = Math.max(1, perSecond),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token from the account's bucket; false when it is empty. */
  take(account: string): boolean {
    const t = this.now();
    let b = this.buckets.get(account);
    if (!b) {
      b = { tokens: this.burst, at: t };
      this.buckets.set(account, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
