import { parentPort } from 'node:worker_threads';
import { renderCertificatePdf } from './render';
import type { RenderReply, RenderRequest } from './render-pool';

// A worker thread of the certificate render pool (render-pool.ts): renders each certificate it is sent
// and posts the PDF back. Fonts are parsed once per thread.

const port = parentPort;
if (!port) throw new Error('render-worker.js runs as a worker thread of the certificate render pool');

// Throw-away certificates before saying "ready": a new thread's first renders are many times slower than
// its later ones (font tables decoded, V8 still interpreting), and the pool renders in-process meanwhile
// rather than have an export's next entry wait on a cold thread.
const WARM_UP = 12;
const names = ['Nguyễn Thị Ánh', 'Αλέξανδρος Παπαδόπουλος', 'Ольга Смирнова', "Zoë O'Brien-Łukasiewicz"];
async function warmUp(): Promise<void> {
  for (let i = 0; i < WARM_UP; i += 1) {
    const code = `PR-0000-0000-0000-${String(i).padStart(4, '0')}`;
    await renderCertificatePdf({
      orgName: 'Warm-up', learnerName: names[i % names.length]!, courseTitle: 'Warm-up course', courseVersion: '1', contentHash: 'f'.repeat(64),
      completedOn: '1 Jan 2026', validUntil: '1 Jan 2027', how: i % 3 === 1 ? 'Recorded by an administrator for an in-person session' : 'Quiz score 100%',
      attestation: i % 2 ? 'Attested to the warm-up policy' : null, code, verifyUrl: `https://example.invalid/verify/${code}`, issuedAt: new Date(0),
    });
  }
}
// A warm-up that fails rejects unhandled, which ends the thread: the pool counts that as a failed start.
void warmUp().then(() => port.postMessage({ ready: true } satisfies RenderReply));

port.on('message', (req: RenderRequest) => {
  renderCertificatePdf(req.data).then((pdf) => {
    // Copied once (cheap at a certificate's size) into a buffer of its own, which is then transferred rather
    // than cloned: a Buffer can be a view into Node's shared pool slab, which must not be handed over.
    const bytes = new ArrayBuffer(pdf.length);
    new Uint8Array(bytes).set(pdf);
    port.postMessage({ id: req.id, pdf: new Uint8Array(bytes) } satisfies RenderReply, [bytes]);
  }, (e: unknown) => {
    port.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) } satisfies RenderReply);
  });
});
