import type { Clock } from '../../server/clock';

/** A clock that only moves when a test moves it. */
export class TestClock implements Clock {
  private t: number;
  constructor(start = '2026-11-02T14:00:00.000Z') {
    this.t = Date.parse(start);
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  advanceMinutes(m: number): void {
    this.advance(m * 60_000);
  }
}
