import path from 'node:path';
import { Worker } from 'node:worker_threads';

interface Reply { id: number; text?: string; pages?: number; error?: string }

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (r: { text: string; pages: number }) => void; reject: (e: Error) => void }>();

function parserThread(): Worker {
  if (worker) return worker;
  const w = new Worker(path.join(__dirname, 'pdf-text-worker.cjs'));
  w.on('message', (r: Reply) => {
    const pending = waiting.get(r.id);
    waiting.delete(r.id);
    if (waiting.size === 0) w.unref();
    if (r.error !== undefined || r.text === undefined) pending?.reject(new Error(`PDF could not be parsed: ${r.error ?? 'no text'}`));
    else pending?.resolve({ text: r.text, pages: r.pages ?? 0 });
  });
  w.on('error', (e) => {
    for (const p of waiting.values()) p.reject(e);
    waiting.clear();
    worker = undefined;
  });
  // Idle, the thread must not keep jest's worker process alive after the last test (jest then reports
  // "a worker process has failed to exit gracefully"). Unref'd after the listeners: adding a 'message'
  // listener refs the worker's port again. pdfText refs it while a reply is awaited.
  w.unref();
  worker = w;
  return w;
}

/**
 * Text of a PDF, extracted by a real, maintained parser (pdf.js through pdf-parse 2), with pages
 * joined without markers so assertions see only what the document prints.
 */
export function pdfText(bytes: Buffer | Uint8Array): Promise<{ text: string; pages: number }> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const thread = parserThread();
    if (waiting.size === 0) thread.ref();
    waiting.set(id, { resolve, reject });
    thread.postMessage({ id, bytes: new Uint8Array(bytes) });
  });
}
