import { rateLimit, type ClientRateLimitInfo, type Options, type RateLimitRequestHandler, type Store } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { Clock } from '../clock';

/** The shared counters (auth/rate-limits.ts RateLimitCounts), seen from here without importing the feature. */
export interface HitCounts {
  hit(limiter: string, key: string, windowMs: number): Promise<{ hits: number; resetAt: Date }>;
  takeBack(limiter: string, key: string): Promise<void>;
  forget(limiter: string, key: string): Promise<void>;
  current(limiter: string, key: string): Promise<{ hits: number; resetAt: Date } | undefined>;
}

/**
 * express-rate-limit's Store over the database counters, one per limiter (the limiter's name is its
 * prefix, so two limiters never share a counter).
 */
class SharedStore implements Store {
  /** Hits from another instance count here too: this is what the database is for. */
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(readonly prefix: string, private readonly counts: HitCounts, private readonly clock: Clock) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const r = await this.counts.hit(this.prefix, key, this.windowMs);
    return { totalHits: r.hits, resetTime: this.onProcessClock(r.resetAt) };
  }

  decrement(key: string): Promise<void> {
    return this.counts.takeBack(this.prefix, key);
  }

  resetKey(key: string): Promise<void> {
    return this.counts.forget(this.prefix, key);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const r = await this.counts.current(this.prefix, key);
    return r ? { totalHits: r.hits, resetTime: this.onProcessClock(r.resetAt) } : undefined;
  }

  /**
   * The window ends on the app's clock, but express-rate-limit measures what is left against Date.now()
   * (the Retry-After and RateLimit headers, and whether a success may still take its hit back). It is
   * handed the same time left on Date.now()'s line; with the system clock that is the stored time itself.
   */
  private onProcessClock(resetAt: Date): Date {
    return new Date(Date.now() + (resetAt.getTime() - this.clock.now().getTime()));
  }
}

/** Makes a rate limiter whose counts live in the database; `name` tells its counters apart from other limiters'. */
export type LimiterFactory = (name: string, options: Partial<Options>) => RateLimitRequestHandler;

/**
 * Every limiter of the app comes from here. A database error while counting lets the request through
 * and logs it (fail open): the counting is a brake on floods and guessing, and the request it would have
 * let through needs the same database to do anything (a sign-in checks the password and the lockout in
 * it, with the lockout in the same transaction), whereas failing closed would turn a database hiccup
 * into nobody being able to sign in, or a 500.
 */
export function limiterFactory(counts: HitCounts, clock: Clock, log: Logger): LimiterFactory {
  return (name, options) => {
    const logger = {
      error: (err: unknown, message?: string) => log.error({ err, limiter: name }, message ?? 'rate limiter error'),
      warn: (err: unknown, message?: string) => log.warn({ err, limiter: name }, message ?? 'rate limiter warning'),
    };
    return rateLimit({ ...options, store: new SharedStore(name, counts, clock), passOnStoreError: true, logger });
  };
}
