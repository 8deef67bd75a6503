import session from 'express-session';
import type { Clock } from '../clock';

type Callback<T = void> = (err?: unknown, value?: T) => void;

const TOUCH_EVERY_MS = 60_000;

/** The session rows this adapter reads and writes: sessions-store.ts holds the queries, compose() hands them in. */
export interface SessionRows {
  get(sid: string): Promise<{ data: string; expires_at: string } | undefined>;
  save(row: { sid: string; data: string; user_id: number | null; expires_at: string }): Promise<void>;
  extend(sid: string, expiresAt: string): Promise<void>;
  remove(sid: string): Promise<void>;
  removeForUser(userId: number): Promise<void>;
  removeExpired(nowIso: string): Promise<number>;
}

/**
 * express-session store over our own database. Expiry is decided here with the injected clock
 * (idle timeout = time since the last request), not by the cookie, so a stolen cookie past its
 * idle time is useless. Expired rows are pruned on an unref'd timer that never keeps the process alive.
 */
export class DatabaseSessionStore extends session.Store {
  private readonly timer: NodeJS.Timeout;
  private readonly touched = new Map<string, number>();

  constructor(private readonly rows: SessionRows, private readonly clock: Clock, private readonly idleMs: number, pruneEveryMs = 15 * 60_000) {
    super();
    this.timer = setInterval(() => { void this.prune().catch(() => undefined); }, pruneEveryMs);
    this.timer.unref();
  }

  private expiry(): string {
    return new Date(this.clock.now().getTime() + this.idleMs).toISOString();
  }

  async prune(): Promise<number> {
    return this.rows.removeExpired(this.clock.now().toISOString());
  }

  stop(): void {
    clearInterval(this.timer);
  }

  override get(sid: string, cb: Callback<session.SessionData | null>): void {
    this.rows.get(sid)
      .then((row) => {
        if (!row) return cb(null, null);
        if (row.expires_at <= this.clock.now().toISOString()) {
          return this.rows.remove(sid).then(() => cb(null, null));
        }
        return cb(null, JSON.parse(row.data) as session.SessionData);
      })
      .catch(cb);
  }

  override set(sid: string, data: session.SessionData, cb?: Callback): void {
    this.remember(sid, this.clock.now().getTime());
    const user = (data as { passport?: { user?: unknown } }).passport?.user;
    const row = { sid, data: JSON.stringify(data), user_id: typeof user === 'number' ? user : null, expires_at: this.expiry() };
    this.rows.save(row)
      .then(() => cb?.())
      .catch((e: unknown) => cb?.(e));
  }

  /**
   * Every request of a rolling session touches it. Writing each time would cost a durable write (an
   * fsync under synchronous=FULL) per page view, so a touch within a minute of the last one this
   * process wrote is skipped: the idle timeout is then exact to within that minute.
   */
  override touch(sid: string, _data: session.SessionData, cb?: Callback): void {
    const now = this.clock.now().getTime();
    const last = this.touched.get(sid);
    // Never skip for longer than a quarter of the idle limit: with a short limit (SESSION_IDLE_MINUTES=1)
    // a skipped minute would otherwise end a session that is in use.
    if (last !== undefined && now - last < Math.min(TOUCH_EVERY_MS, this.idleMs / 4) && now >= last) {
      cb?.();
      return;
    }
    this.remember(sid, now);
    this.rows.extend(sid, this.expiry())
      .then(() => cb?.())
      .catch((e: unknown) => cb?.(e));
  }

  private remember(sid: string, at: number): void {
    this.touched.delete(sid);
    this.touched.set(sid, at);
    // Bounded: the oldest entries go first (a Map iterates in insertion order).
    if (this.touched.size > 10_000) this.touched.delete(this.touched.keys().next().value!);
  }

  override destroy(sid: string, cb?: Callback): void {
    this.touched.delete(sid);
    this.rows.remove(sid)
      .then(() => cb?.())
      .catch((e: unknown) => cb?.(e));
  }

  /** Ends every session of one user (deactivation, password change). */
  async destroyForUser(userId: number): Promise<void> {
    await this.rows.removeForUser(userId);
  }
}
