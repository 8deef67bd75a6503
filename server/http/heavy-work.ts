import type { RequestHandler } from 'express';
import { HttpError } from './errors';

/**
 * Counts the heavy requests running now (exports and imports, seconds of work each), overall and per
 * person, and turns away the one over either limit. Refused rather than queued: a queued download
 * would hold the browser's connection with nothing to show and could wait past its timeout, and a
 * queue would still need a bound; "try again in a minute" is honest and costs nothing while waiting.
 */
export class HeavyWork {
  private running = 0;
  private readonly perPerson = new Map<number, number>();

  constructor(readonly max: number, readonly maxPerPerson: number) {}

  /** A release function when there is room for one more, else the reason there is not. */
  tryStart(personId: number): { release: () => void } | { refused: 'person' | 'everyone' } {
    const mine = this.perPerson.get(personId) ?? 0;
    if (mine >= this.maxPerPerson) return { refused: 'person' };
    if (this.running >= this.max) return { refused: 'everyone' };
    this.running += 1;
    this.perPerson.set(personId, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running -= 1;
        const left = (this.perPerson.get(personId) ?? 1) - 1;
        if (left > 0) this.perPerson.set(personId, left); else this.perPerson.delete(personId);
      },
    };
  }

  /** Heavy requests running now. */
  get size(): number { return this.running; }
}

/**
 * A guard for a heavy route, after the role check: takes a place until the response is finished or the
 * connection closes, or answers 429 with Retry-After and a message in words.
 */
export function heavy(work: HeavyWork, what: 'export' | 'import'): RequestHandler {
  return (req, res, next) => {
    const started = work.tryStart(req.user!.id);
    if ('refused' in started) {
      res.setHeader('Retry-After', '60');
      const message = started.refused === 'person'
        ? `You already have ${work.maxPerPerson} ${work.maxPerPerson === 1 ? 'export or import' : 'exports or imports'} being prepared; wait for one to finish.`
        : what === 'export' ? 'Another export is being prepared; try again in a minute.' : 'Another import or export is running; try again in a minute.';
      next(new HttpError(429, message));
      return;
    }
    // 'finish' is when the last byte went to the socket: a client that reads the end and at once asks
    // again must find the place free ('close' can come a moment after its next request arrives).
    // 'close' covers a connection dropped before the answer finished.
    res.once('finish', started.release);
    res.once('close', started.release);
    next();
  };
}
