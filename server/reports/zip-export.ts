import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import archiver from 'archiver';
import { renderCertificate, type CertificateData } from '../certificates/render';

export const ZIP_MAX_CERTIFICATES = 5000;

function renderToBuffer(data: CertificateData): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = once(out, 'end').then(() => Buffer.concat(chunks));
  renderCertificate(data, out);
  return done;
}

/**
 * Streams a ZIP of certificate PDFs. One certificate is rendered at a time and handed to the archive
 * before the next, so memory stays flat however many there are. Resolves with the number written.
 */
export async function writeCertificateZip(items: AsyncIterable<{ name: string; data: CertificateData }>, out: Writable): Promise<number> {
  // PDFs are already compressed; storing them keeps the ZIP fast and barely larger.
  const archive = archiver('zip', { store: true });
  archive.pipe(out);
  let n = 0;
  for await (const item of items) {
    const pdf = await renderToBuffer(item.data);
    const written = once(archive, 'entry');
    archive.append(pdf, { name: item.name, date: item.data.issuedAt });
    await written;
    n += 1;
  }
  await archive.finalize();
  return n;
}
