import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import { rateLimitStore } from './rate-limit-store';

/** How often (on the app's clock) a process sweeps ended counters, and how many at most each time. */
const SWEEP_EVERY_MS = 60_000;
const SWEEP_MAX = 1_000;

/** The HMAC key for limiter keys, derived so the session secret itself is never used for two purposes. */
export function rateLimitKeySecret(sessionSecret: string): Buffer {
  return crypto.createHmac('sha256', sessionSecret).update('privacy-rounds rate limit key v1').digest();
}

export interface Hits {
  hits: number;
  /** When the window ends, on the app's clock. */
  resetAt: Date;
}

/**
 * The counters behind every rate limiter (server/http/rate-limit.ts), in the database so the limits hold
 * across instances (issue 19). A limiter's key (a client IP, an IP and account key, a SCIM token id) is
 * stored as `<limiter>:<HMAC-SHA-256>` under a key derived from SESSION_SECRET, which every instance
 * shares: an unkeyed hash of an IPv4 address could be reversed by trying all 2^32 of them. Windows run on
 * the injected clock.
 */
export class RateLimitCounts {
  private nextSweep = 0;
  private readonly store: ReturnType<typeof rateLimitStore>;

  constructor(db: Kysely<DB>, private readonly clock: Clock, private readonly secret: Buffer) {
    this.store = rateLimitStore(db);
  }

  /** The stored key: the limiter's name in clear (operators can count per limiter), the key hashed. */
  storedKey(limiter: string, key: string): string {
    return `${limiter}:${crypto.createHmac('sha256', this.secret).update(key).digest('hex')}`;
  }

  async hit(limiter: string, key: string, windowMs: number): Promise<Hits> {
    const now = this.clock.now();
    await this.sweepNowAndThen(now);
    const row = await this.store.hit(this.storedKey(limiter, key), now.toISOString(), new Date(now.getTime() + windowMs).toISOString());
    return { hits: row.hits, resetAt: new Date(row.resetAt) };
  }

  takeBack(limiter: string, key: string): Promise<void> {
    return this.store.takeBack(this.storedKey(limiter, key), this.clock.now().toISOString());
  }

  forget(limiter: string, key: string): Promise<void> {
    return this.store.forget(this.storedKey(limiter, key));
  }

  async current(limiter: string, key: string): Promise<Hits | undefined> {
    const row = await this.store.current(this.storedKey(limiter, key), this.clock.now().toISOString());
    return row ? { hits: row.hits, resetAt: new Date(row.resetAt) } : undefined;
  }

  /** Deletes up to SWEEP_MAX ended counters; returns how many. */
  sweep(): Promise<number> {
    return this.store.sweep(this.clock.now().toISOString(), SWEEP_MAX);
  }

  /**
   * Ended counters are dead already (the next hit starts a fresh window), so deleting them is only
   * housekeeping: at most once a minute per process, a bounded delete, on the request that finds it due.
   */
  private async sweepNowAndThen(now: Date): Promise<void> {
    if (now.getTime() < this.nextSweep) return;
    this.nextSweep = now.getTime() + SWEEP_EVERY_MS;
    // Housekeeping never decides a request: a failed sweep leaves the rows for the next one, and the hit
    // is still counted (were it to throw, the limiter would fail open for this request).
    await this.sweep().catch(() => undefined);
  }
}
