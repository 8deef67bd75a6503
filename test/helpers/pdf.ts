import type { Agent } from './http';
import { pdfText } from './pdf-text';

/** Downloads a PDF as bytes and extracts its text with a real PDF parser. */
export async function downloadPdf(agent: Agent, url: string): Promise<{ status: number; bytes: Buffer; text: string }> {
  const res = await agent.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  const bytes = res.body as Buffer;
  if (res.status !== 200) return { status: res.status, bytes, text: '' };
  const parsed = await pdfText(bytes);
  return { status: res.status, bytes, text: parsed.text };
}
