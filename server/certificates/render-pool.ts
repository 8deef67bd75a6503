import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { renderCertificatePdf, type CertificateData } from './render';

/** Turns certificate data into PDF bytes; `parallelism` says how many renders it can usefully run at once. */
export interface CertificateRenderer {
  readonly parallelism: number;
  render(data: CertificateData): Promise<Buffer>;
  /** Told by a bulk export that it is big enough to be worth starting threads for (see RenderPool). */
  start?(): void;
}

export interface RenderRequest { id: number; data: CertificateData }
/** From a worker: its answer to a request, or (once, first) that it has loaded and warmed up. */
export type RenderReply = { id: number; pdf: Uint8Array } | { id: number; error: string } | { ready: true };

/** Renders on the calling thread, one certificate at a time. */
export const inProcessRenderer: CertificateRenderer = { parallelism: 1, render: renderCertificatePdf };

interface Task { resolve: (pdf: Buffer) => void; reject: (e: Error) => void }
interface Slot { worker: Worker; tasks: Map<number, Task>; ready: boolean }

/** A worker that dies this many times before it is ready means it cannot start here: stop trying. */
const MAX_FAILED_STARTS = 3;

/**
 * A few worker threads rendering certificates, so a bulk ZIP uses every core and the event loop stays
 * free for other requests.
 *
 * A new thread is expensive at first: loading pdfkit and fontkit, parsing the fonts and, above all,
 * warming V8 up (a fresh thread's first certificates take many times as long as later ones: figures
 * in BENCHMARKS.md). So threads start only when asked to (`start()`,
 * which a ZIP export calls once it has enough certificates to be worth it, or `whenReady()`), warm up
 * on their own before taking work, and until one is ready every render is done in-process, on a thread
 * that is already warm. Once ready, renders go to the least busy thread.
 *
 * A thread with nothing to do is unref'd, so the pool never keeps the process alive or holds up a
 * graceful shutdown, and after `idleMs` without work the threads exit and give their memory back. A thread that crashes fails the renders it held (never leaves them waiting) and is
 * replaced; one that cannot even start (three times) leaves the pool rendering in-process.
 */
export class RenderPool implements CertificateRenderer {
  private slots: Slot[] = [];
  private wanted = false;
  private nextId = 0;
  private outstanding = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private failedStarts = 0;
  private readyWaiters: (() => void)[] = [];
  /** Renders done by the threads and on the calling thread, for tests and measurements. */
  readonly counts = { inThreads: 0, inProcess: 0 };

  constructor(private readonly workerFile: string, readonly parallelism: number, private readonly idleMs = 30_000) {}

  render(data: CertificateData): Promise<Buffer> {
    this.busy();
    const done = () => this.idle();
    try {
      this.fill();
    } catch (e) {
      done();
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const ready = this.slots.filter((s) => s.ready);
    if (ready.length === 0) {
      this.counts.inProcess += 1;
      const pdf = renderCertificatePdf(data);
      pdf.then(done, done);
      return pdf;
    }
    const slot = ready.reduce((a, b) => (b.tasks.size < a.tasks.size ? b : a));
    const id = (this.nextId += 1);
    this.counts.inThreads += 1;
    return new Promise<Buffer>((resolve, reject) => {
      if (slot.tasks.size === 0) slot.worker.ref();
      slot.tasks.set(id, { resolve, reject });
      slot.worker.postMessage({ id, data } satisfies RenderRequest);
    });
  }

  /** Starts the threads in the background if they are not running; renders stay in-process until they are ready. */
  start(): void {
    this.wanted = true;
    this.fill();
    if (this.outstanding === 0) this.scheduleIdle();
  }

  /** Starts the threads if they are not running and resolves once all of them are ready (or could not start). */
  whenReady(): Promise<void> {
    this.start();
    if (this.slots.every((s) => s.ready)) return Promise.resolve();
    // Someone is waiting on the starting threads, so they must keep the process alive until ready.
    for (const s of this.slots) if (!s.ready) s.worker.ref();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Stops every thread now; renders they held fail. Threads start again only when asked to. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.wanted = false;
    const slots = this.slots;
    this.slots = [];
    for (const slot of slots) this.fail(slot, new Error('the certificate render pool was closed'));
    this.wakeReadyWaiters();
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Threads now running or starting. */
  get size(): number { return this.slots.length; }

  /** Keeps `parallelism` threads running once they are wanted, replacing any that stopped. */
  private fill(): void {
    while (this.wanted && this.slots.length < this.parallelism && this.failedStarts < MAX_FAILED_STARTS) this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(this.workerFile);
    const slot: Slot = { worker, tasks: new Map(), ready: false };
    worker.on('message', (reply: RenderReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        if (slot.tasks.size === 0) worker.unref();
        this.wakeReadyWaiters();
        return;
      }
      const task = slot.tasks.get(reply.id);
      if (!task) return;
      this.settled(slot, reply.id);
      if ('pdf' in reply) task.resolve(Buffer.from(reply.pdf.buffer, reply.pdf.byteOffset, reply.pdf.byteLength));
      else task.reject(new Error(`Could not render a certificate: ${reply.error}`));
    });
    // An uncaught error in the worker, or the worker exiting for any other reason: whatever it held fails.
    worker.on('error', (e) => this.retire(slot, e));
    worker.on('messageerror', (e) => this.retire(slot, e));
    worker.on('exit', (code) => this.retire(slot, new Error(`a certificate render thread stopped (exit code ${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.slots.push(slot);
  }

  private wakeReadyWaiters(): void {
    if (this.slots.every((s) => s.ready)) for (const wake of this.readyWaiters.splice(0)) wake();
  }

  private busy(): void {
    this.outstanding += 1;
    clearTimeout(this.idleTimer);
  }

  private idle(): void {
    this.outstanding -= 1;
    if (this.outstanding === 0) this.scheduleIdle();
  }

  private scheduleIdle(): void {
    clearTimeout(this.idleTimer);
    if (this.slots.length === 0) return;
    this.idleTimer = setTimeout(() => { void this.close(); }, this.idleMs);
    this.idleTimer.unref();
  }

  private settled(slot: Slot, id: number): void {
    slot.tasks.delete(id);
    if (slot.tasks.size === 0) slot.worker.unref();
    this.idle();
  }

  private retire(slot: Slot, e: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return; // closed by us, or already retired ('error' is followed by 'exit')
    this.slots.splice(i, 1);
    if (!slot.ready) this.failedStarts += 1;
    // Whoever waits for the pool to be ready should not wait for a thread that will never be.
    this.wakeReadyWaiters();
    this.fail(slot, e);
    void slot.worker.terminate();
  }

  private fail(slot: Slot, e: Error): void {
    for (const [id, task] of [...slot.tasks]) {
      this.settled(slot, id);
      task.reject(new Error(`Could not render a certificate: ${e.message}`));
    }
  }
}

// Compiled, this module sits next to render-worker.js. Under ts-jest the sources are TypeScript that a
// worker thread (plain Node) cannot load, so there is no .js file here and rendering stays in-process;
// test/integration/certificate-workers.test.ts drives the real pool from the compiled build.
const WORKER_FILE = path.join(__dirname, 'render-worker.js');

let shared: CertificateRenderer | undefined;

/**
 * The process-wide renderer for bulk exports: a pool of min(2, available cores) worker threads, shared
 * by concurrent exports, or in-process rendering where the compiled worker is absent. At most two: the
 * machine this is sized for has two cores, and on a bigger one an export should still leave cores to
 * the web requests.
 */
export function certificateRenderer(): CertificateRenderer {
  shared ??= __filename.endsWith('.js') && fs.existsSync(WORKER_FILE)
    ? new RenderPool(WORKER_FILE, Math.max(1, Math.min(2, os.availableParallelism())))
    : inProcessRenderer;
  return shared;
}
