/**
 * Keeps an unauthenticated flood of credential requests from growing the audit log without
 * bound, and from being answered past a limit. Per process, per client address, in fixed
 * windows (a minute by default): once `limit` requests from one address were refused for
 * their token (401, each audited on its own) in a window, or are in flight at once, every
 * credential request from it is answered 429 with Retry-After until the window ends, and
 * those 429s are audited as one row per address (and answer) and window, with their count,
 * written when the window closes (or the process stops). So an address leaves at most
 * `limit` + 1 rows per window.
 * Nothing here holds a secret: addresses, counts and the row writers.
 */
export type RefusalWriter = (count: number) => Promise<void>;

interface Pending {
  count: number;
  write: RefusalWriter;
}

export class RefusalLimiter {
  private windowStart = 0;
  /** Which window this is: a reservation given back in a later one gives back nothing. */
  private generation = 0;
  private readonly refusedByAddress = new Map<string, number>();
  private pending = new Map<string, Pending>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly limit: number, private readonly windowMs: number) {
    // Closes windows on time, so a flood's count is written even when the flood stops.
    this.timer = setInterval(() => this.roll(Date.now()), Math.min(windowMs, 1000));
    if (typeof Deno !== "undefined") Deno.unrefTimer(this.timer as unknown as number);
  }

  /** Seconds until the address may try again, or null when it is not limited. */
  retryAfter(address: string, now = Date.now()): number | null {
    this.roll(now);
    if ((this.refusedByAddress.get(address) ?? 0) < this.limit) return null;
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000));
  }

  /**
   * Counts a request towards the address's limit while it is answered: `settle(true)` keeps it
   * (it was refused), `settle(false)` gives it back. So requests sent at once cannot all pass
   * the limit: with `limit` of them in flight, the next is answered 429.
   */
  reserve(address: string, now = Date.now()): { settle(refused: boolean): void } {
    this.roll(now);
    const generation = this.generation;
    this.refusedByAddress.set(address, (this.refusedByAddress.get(address) ?? 0) + 1);
    return {
      settle: (refused) => {
        if (refused || generation !== this.generation) return; // a new window started from zero
        this.refusedByAddress.set(address, Math.max(0, (this.refusedByAddress.get(address) ?? 0) - 1));
      },
    };
  }

  /** Counts a limited request; `write` records the window's count for the address and reason. */
  limited(address: string, reason: string, write: RefusalWriter): void {
    const key = `${address}\u0000${reason}`;
    const entry = this.pending.get(key) ?? { count: 0, write };
    entry.count++;
    this.pending.set(key, entry);
  }

  /** Writes every pending count now (at a window's end, and before the process stops). */
  async flush(): Promise<void> {
    const pending = [...this.pending.values()];
    this.pending = new Map();
    await Promise.all(pending.map((entry) => entry.write(entry.count).catch(() => {})));
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.flush();
  }

  private roll(now: number): void {
    const start = now - (now % this.windowMs);
    if (start === this.windowStart) return;
    void this.flush();
    this.refusedByAddress.clear();
    this.windowStart = start;
    this.generation++;
  }
}
