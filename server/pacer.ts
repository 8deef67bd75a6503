/**
 * Long synchronous work (an import, an evidence PDF) split into slices of about `sliceMs`: between
 * slices the event loop runs timers and I/O, so other requests (a health check, a page) are answered
 * within a slice rather than after the whole job. Awaiting a promise alone is not enough: resolved
 * promises run as microtasks, before any I/O.
 */
export class Pacer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = 10) {}

  /** Yields to the event loop when the current slice has run long enough; otherwise returns at once. */
  async pace(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await nextSlice();
    this.sliceStart = performance.now();
  }
}

// Paced jobs take turns, one slice per turn of the event loop. Each resuming on its own setImmediate
// would run every waiting job's slice back to back in the same turn (four packs: four slices before
// the loop looks at I/O again); a queue woken one job per turn keeps the gap between I/O to one slice.
const waiting: (() => void)[] = [];
let scheduled = false;

function wakeNext(): void {
  scheduled = false;
  waiting.shift()?.();
  if (waiting.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(wakeNext);
}

/** Lets the event loop run (timers, I/O) before going on: one turn, in the paced jobs' queue. */
export function nextSlice(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}
