/** Time source; injected so tests can move time (lockouts, session timeouts, due dates). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
