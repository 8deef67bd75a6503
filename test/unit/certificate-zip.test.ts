import { PassThrough } from 'node:stream';
import { pdfText } from '../helpers/pdf-text';
import type { CertificateData } from '../../server/certificates/render';
import { certificateRenderer, inProcessRenderer, type CertificateRenderer } from '../../server/certificates/render-pool';
import { writeCertificateZip } from '../../server/reports/zip-export';
import { sink, storedZipEntries } from '../helpers/zip';

// The ZIP pipeline with stand-in renderers (order, bounded look-ahead, failures) and the real in-process
// renderer. The worker threads themselves run only from compiled JavaScript: certificate-workers.test.ts.

function cert(i: number, extra: Partial<CertificateData> = {}): CertificateData {
  const code = `PR-${String(i).padStart(4, '0')}-TEST-ZIPS-0000`;
  return {
    orgName: 'Riverside General', learnerName: `Learner ${i}`, courseTitle: 'HIPAA & social media', courseVersion: '2026.1', contentHash: 'b'.repeat(64),
    completedOn: '2 Nov 2026', validUntil: '2 Nov 2027', how: 'Quiz score 90%', attestation: null, code,
    verifyUrl: `http://127.0.0.1:3000/verify/${code}`, issuedAt: new Date(Date.UTC(2026, 10, 2, 14, i % 60)), ...extra,
  };
}

/** Yields n certificates and records how far ahead of the archive it has been read, and whether it was closed. */
function source(n: number, make: (i: number) => CertificateData = cert) {
  const state = { yielded: 0, closed: false };
  async function* items() {
    try {
      for (let i = 0; i < n; i += 1) {
        state.yielded += 1;
        yield { name: `${String(i).padStart(3, '0')}.pdf`, data: make(i) };
      }
    } finally {
      state.closed = true;
    }
  }
  return { items: items(), state };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A renderer of fake "PDFs" (the certificate code) that finish out of order, counting renders in flight. */
function shuffledRenderer(parallelism: number, fail?: (d: CertificateData) => boolean, onStart?: () => void) {
  const stats = { inFlight: 0, maxInFlight: 0 };
  const renderer: CertificateRenderer = {
    parallelism,
    async render(d) {
      onStart?.();
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        await delay((d.code.charCodeAt(6) * 7) % 13); // later certificates often finish first
        if (fail?.(d)) throw new Error(`no QR for ${d.code}`);
        return Buffer.from(d.code);
      } finally {
        stats.inFlight -= 1;
      }
    },
  };
  return { renderer, stats };
}

describe('certificate ZIP', () => {
  test('keeps the order of the rows however the renders finish, and reads at most a few rows ahead', async () => {
    const { items, state } = source(40);
    const { out, bytes, finished } = sink();
    let maxAhead = 0;
    const { renderer, stats } = shuffledRenderer(3, undefined, () => { maxAhead = Math.max(maxAhead, state.yielded - storedCount(bytes())); });
    const n = await writeCertificateZip(items, out, renderer);
    await new Promise((r) => setImmediate(r));
    expect(n).toBe(40);
    expect(finished()).toBe(true);
    const entries = storedZipEntries(bytes());
    expect(entries.map((e) => e.name)).toEqual(Array.from({ length: 40 }, (_, i) => `${String(i).padStart(3, '0')}.pdf`));
    expect(entries.map((e) => e.data.toString())).toEqual(Array.from({ length: 40 }, (_, i) => cert(i).code));
    // Two per thread in flight: enough to keep every thread busy, never thousands ahead.
    expect(stats.maxInFlight).toBe(6);
    expect(maxAhead).toBeLessThanOrEqual(7);
  });

  test('a failed render fails the export promptly, stops reading rows and never ends the output as a complete ZIP', async () => {
    const { renderer, stats } = shuffledRenderer(2, (d) => d.code === cert(13).code);
    const { items, state } = source(1000);
    const { out, finished } = sink();
    await expect(writeCertificateZip(items, out, renderer)).rejects.toThrow(`no QR for ${cert(13).code}`);
    expect(state.closed).toBe(true);
    expect(state.yielded).toBeLessThan(20);
    await new Promise((r) => setImmediate(r));
    expect(finished()).toBe(false);
    // Renders already started are allowed to finish; none is left unsettled to reject unhandled later.
    await delay(30);
    expect(stats.inFlight).toBe(0);
  });

  test('the client going away mid-export fails the export instead of leaving it waiting', async () => {
    const { renderer } = shuffledRenderer(2);
    const { items, state } = source(1000);
    const out = new PassThrough({ highWaterMark: 1 });
    let read = 0;
    out.on('data', (c: Buffer) => { read += c.length; if (read > 2000) out.destroy(); });
    await expect(writeCertificateZip(items, out, renderer)).rejects.toThrow(/closed before the ZIP was complete|destroyed/);
    expect(state.closed).toBe(true);
  });

  test('under ts-jest there is no compiled worker, so bulk renders stay in-process', () => {
    expect(certificateRenderer()).toBe(inProcessRenderer);
  });

  test('real certificates in-process: every entry is a PDF that parses back with its own name and code', async () => {
    const names = ['Nguyễn Thị Ánh', 'Αλέξανδρος Παπαδόπουλος', 'Ольга Смирнова', "Zoë O'Brien-Łukasiewicz"];
    const { items } = source(4, (i) => cert(i, { learnerName: names[i]!, attestation: `Attested to the policy v1.${i}`, how: i === 3 ? 'Recorded by an administrator for an in-person session' : 'Quiz score 90%' }));
    const { out, bytes } = sink();
    expect(await writeCertificateZip(items, out, inProcessRenderer)).toBe(4);
    const entries = storedZipEntries(bytes());
    expect(entries).toHaveLength(4);
    for (const [i, e] of entries.entries()) {
      const text = (await pdfText(e.data)).text.replace(/\s+/g, ' ');
      for (const s of [names[i]!, cert(i).code, cert(i).verifyUrl, `Attested to the policy v1.${i}`]) expect(text).toContain(s);
    }
  });

});

/** How many stored entries a partial ZIP holds so far (local file headers written). */
function storedCount(zip: Buffer): number {
  let n = 0;
  for (let p = zip.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04])); p >= 0; p = zip.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), p + 4)) n += 1;
  return n;
}
