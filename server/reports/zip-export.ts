import { once } from 'node:events';
import type { Writable } from 'node:stream';
import archiver from 'archiver';
import type { CertificateData } from '../certificates/render';
import { certificateRenderer, type CertificateRenderer } from '../certificates/render-pool';

export const ZIP_MAX_CERTIFICATES = 5000;

/**
 * Certificates rendered in-process before an export asks for render threads. Starting a thread costs
 * more CPU before it renders at full speed (render-pool.ts) than a few dozen certificates take on a
 * warm thread, so a small export is done sooner without them; a bigger one gets
 * them while it carries on in-process, and exports in the next half minute find them warm.
 */
export const THREADS_AFTER = 48;

/**
 * Streams a ZIP of certificate PDFs, rendered by `renderer` (by default the process's render pool: up to
 * two threads, see THREADS_AFTER). Entries keep the order of `items`. At most two renders per thread are
 * in flight, so the threads never wait for the next certificate while nobody renders thousands ahead:
 * memory stays flat however many there are. Resolves with the number written.
 *
 * A failed render, an archive error or `out` closing early (the client went away) rejects, after
 * unpiping and aborting the archive so that `out` is never ended as if the ZIP were complete. What to do
 * with `out` is the caller's: the HTTP error handler destroys a response that has started, and before
 * the first entry nothing has been written, so an error page can still be sent.
 */
export async function writeCertificateZip(
  items: AsyncIterable<{ name: string; data: CertificateData }>, out: Writable, renderer: CertificateRenderer = certificateRenderer(),
): Promise<number> {
  // PDFs are already compressed; storing them keeps the ZIP fast and barely larger.
  const archive = archiver('zip', { store: true });
  let fail: (e: Error) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => { fail = reject; });
  failed.catch(() => undefined); // only ever awaited through race() below
  const onClose = () => fail(new Error('the output closed before the ZIP was complete'));
  const onError = (e: Error) => fail(e);
  out.on('close', onClose);
  out.on('error', onError);
  archive.on('error', onError);
  archive.on('warning', onError);
  const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failed]);
  archive.pipe(out);

  const depth = 2 * renderer.parallelism;
  const pending: { name: string; date: Date; pdf: Promise<Buffer> }[] = [];
  let n = 0;
  const writeNext = async () => {
    const next = pending.shift()!;
    const pdf = await race(next.pdf);
    const written = once(archive, 'entry');
    archive.append(pdf, { name: next.name, date: next.date });
    await race(written);
    n += 1;
  };
  let read = 0;
  try {
    for await (const item of items) {
      if ((read += 1) === THREADS_AFTER) renderer.start?.();
      const pdf = renderer.render(item.data);
      // Handled here so that renders still in flight when an earlier one fails are not reported as
      // unhandled rejections; each is still awaited (and its error thrown) in order by writeNext.
      pdf.catch(() => undefined);
      pending.push({ name: item.name, date: item.data.issuedAt, pdf });
      if (pending.length >= depth) await writeNext();
    }
    while (pending.length) await writeNext();
    await race(archive.finalize());
    return n;
  } catch (e) {
    archive.unpipe(out);
    archive.abort();
    throw e;
  } finally {
    out.off('close', onClose);
    out.off('error', onError);
  }
}
