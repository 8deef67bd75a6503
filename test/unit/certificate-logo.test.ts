import { Writable } from 'node:stream';
import { renderCertificatePdf, type CertificateData } from '../../server/certificates/render';
import { writeEvidencePdf } from '../../server/reports/evidence';
import type { Logo } from '../../server/certificates/logo';
import { inventName } from '../helpers/names';
import { overlap, textLines } from '../helpers/poppler';
import { solidPng } from '../helpers/images';
import { pixelAt } from '../helpers/raster';

// The organisation's logo (supplied by the settings) prints at the top of certificates and evidence
// packs, as PNG or as SVG, and the text below it still fits.
const ORANGE: [number, number, number] = [210, 105, 30];
const png: Logo = { type: 'png', data: solidPng(40, 20, ORANGE) };
const svg: Logo = { type: 'svg', data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" fill="#d2691e"/></svg>') };

function cert(learnerName: string, logo?: Logo): CertificateData {
  return {
    orgName: 'Riverside General', logo, learnerName, courseTitle: 'HIPAA & social media: privacy in every conversation', courseVersion: '2026.1', contentHash: 'c'.repeat(64),
    completedOn: '2 Nov 2026', validUntil: '2 Nov 2027', how: 'Quiz score 92%', attestation: `Attested to the Social Media Policy (version 1.0) on 2 Nov 2026, signed "${learnerName}"`,
    code: 'PR-7KQ4-M2XD-9WTA-H3NB', verifyUrl: 'https://training.riverside.example/verify/PR-7KQ4-M2XD-9WTA-H3NB', issuedAt: new Date(Date.UTC(2026, 10, 2, 14)),
  };
}

const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 8);

describe('the organisation logo', () => {
  test.each([['PNG', png], ['SVG', svg]] as const)('a %s logo prints above the name on a certificate; the longest name still fits', async (_kind, logo) => {
    const name = inventName('latin', 200, 5);
    const pdf = await renderCertificatePdf(cert(name, logo));
    // The logo's box is 160 x 40 pt, centred at the top; a 2:1 logo fills it from x 356 to 436.
    expect(near(await pixelAt(pdf, 396, 72), ORANGE)).toBe(true);
    expect(near(await pixelAt(pdf, 396, 72), [255, 255, 255])).toBe(false);
    const lines = await textLines(pdf);
    for (const l of lines) expect(l.yMin).toBeGreaterThan(92);
    for (let i = 0; i < lines.length; i += 1) for (let j = i + 1; j < lines.length; j += 1) expect(overlap(lines[i]!, lines[j]!)).toBe(false);
  });

  test('without a logo the top of the certificate stays blank', async () => {
    expect(near(await pixelAt(await renderCertificatePdf(cert('Dee Done')), 396, 72), ORANGE)).toBe(false);
  });

  test('an evidence pack prints the logo at the top left of its first page', async () => {
    const chunks: Buffer[] = [];
    await writeEvidencePdf({
      title: 'HIPAA workforce training evidence', scope: 'Department: Nursing', orgName: 'Riverside General', logo: png, timeZone: 'America/New_York',
      generatedAt: new Date(Date.UTC(2026, 11, 2, 14, 30)), generatedBy: 'Mara Quill', people: 0, lines: [],
    }, new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } }));
    const pdf = Buffer.concat(chunks);
    // 120 x 36 pt box at (40, 40): a 2:1 logo is 72 x 36, centred from x 64.
    expect(near(await pixelAt(pdf, 100, 58), ORANGE)).toBe(true);
    expect((await textLines(pdf))[0]!.yMin).toBeGreaterThanOrEqual(76);
  });
});
