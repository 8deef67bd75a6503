import { PassThrough } from 'node:stream';
import { inflateSync } from 'node:zlib';
import { pdfText } from '../helpers/pdf-text';
import { renderCertificate, renderCertificatePdf, type CertificateData } from '../../server/certificates/render';
import { sourceInWords } from '../../server/training/present';

// The fonts are parsed once per process and shared by every document (fonts.ts). Jest gives each test
// file fresh modules, so the first render below is what a new process would produce.

function cert(learnerName: string, extra: Partial<CertificateData> = {}): CertificateData {
  return {
    orgName: 'Riverside General', learnerName, courseTitle: 'HIPAA & social media: privacy in every conversation', courseVersion: '2026.1', contentHash: 'c'.repeat(64),
    completedOn: '2 Nov 2026', validUntil: '2 Nov 2027', how: sourceInWords({ source: 'quiz', score: 100 }, 'certificate'), attestation: 'Attested to Social Media and Patient Privacy Policy v1.0 on 2 Nov 2026',
    code: 'PR-7KQ4-M2XD-9WTA-H3NB', verifyUrl: 'http://127.0.0.1:3000/verify/PR-7KQ4-M2XD-9WTA-H3NB', issuedAt: new Date(Date.UTC(2026, 10, 2, 14)), ...extra,
  };
}

const text = async (pdf: Buffer) => (await pdfText(pdf)).text.replace(/\s+/g, ' ');

describe('certificate rendering', () => {
  test('renders to the same bytes whatever was rendered before it in the process', async () => {
    // Cyrillic О is drawn from the Latin O glyph: subsetting this certificate meets the Latin O glyph
    // without any character. With a glyph cache shared across documents, later certificates' Latin O
    // then had no Unicode mapping ("Zoë 'Brien-Łukasiewicz" in the extracted text).
    for (const name of ['Ольга Смирнова', 'Αλέξανδρος Παπαδόπουλος', 'Nguyễn Thị Ánh', 'José Ñúñez', 'Œdipe ﬁnal ﬂow']) await renderCertificatePdf(cert(name));
    const zoe = cert("Zoë O'Brien-Łukasiewicz");
    const after = await renderCertificatePdf(zoe);
    expect(await text(after)).toContain("Zoë O'Brien-Łukasiewicz");
    // The same certificate from a fresh copy of the modules (fonts parsed anew, nothing rendered before).
    let fresh: typeof import('../../server/certificates/render') | undefined;
    jest.isolateModules(() => { fresh = jest.requireActual('../../server/certificates/render'); });
    const first = await fresh!.renderCertificatePdf(zoe);
    expect(fresh!.renderCertificatePdf).not.toBe(renderCertificatePdf);
    expect(after.equals(first)).toBe(true);
  });

  test.each(['Ольга Смирнова', 'Αλέξανδρος Παπαδόπουλος', 'Nguyễn Thị Ánh', "Zoë O'Brien-Łukasiewicz"])('%s prints and extracts as typed, after other scripts', async (name) => {
    expect(await text(await renderCertificatePdf(cert(name)))).toContain(name);
  });

  test('every field is on the page; in-person and imported records say so instead of a score', async () => {
    const quiz = await text(await renderCertificatePdf(cert('Dee Done')));
    for (const s of ['Riverside General', 'Certificate of Completion', 'This certifies that', 'Dee Done', 'has completed the training', 'HIPAA & social media: privacy in every conversation',
      'Course version 2026.1 · content cccccccccccc', 'Completed on 2 Nov 2026 · Valid until 2 Nov 2027', 'Quiz score 100%', 'Attested to Social Media and Patient Privacy Policy v1.0 on 2 Nov 2026',
      'Certificate code: PR-7KQ4-M2XD-9WTA-H3NB', 'Check this certificate at http://127.0.0.1:3000/verify/PR-7KQ4-M2XD-9WTA-H3NB', '45 CFR 164.530(j)', '45 CFR 164.530(b)']) {
      expect(quiz).toContain(s);
    }
    const inPerson = await text(await renderCertificatePdf(cert('Dee Done', { how: sourceInWords({ source: 'in-person', score: null }, 'certificate'), attestation: null, contentHash: null })));
    expect(inPerson).toContain('Recorded by an administrator for an in-person session');
    expect(inPerson).toContain('Course version 2026.1 Completed');
    expect(inPerson).not.toContain('Quiz score');
    expect(await text(await renderCertificatePdf(cert('Dee Done', { how: sourceInWords({ source: 'import', score: null }, 'certificate') })))).toContain('Imported from an earlier training record');
  });

  test('streamed and in-memory renders are the same bytes, every time; tagged, titled, both faces embedded, vector QR', async () => {
    const d = cert('Nguyễn Thị Ánh');
    const streamed = await new Promise<Buffer>((resolve) => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      out.on('end', () => resolve(Buffer.concat(chunks)));
      renderCertificate(d, out);
    });
    const a = await renderCertificatePdf(d);
    const b = await renderCertificatePdf(d);
    expect(a.equals(streamed)).toBe(true);
    expect(b.equals(a)).toBe(true);
    const raw = a.toString('latin1');
    // Tagged, in English, titled, both faces embedded, the QR a figure with alt text.
    for (const marker of ['/StructTreeRoot', '/MarkInfo', '/Lang (en-US)', '/DisplayDocTitle true', '/S /Figure', `/Alt (QR code linking to ${d.verifyUrl})`]) {
      expect(raw).toContain(marker);
    }
    expect(raw.match(/\/FontFile2/g)).toHaveLength(2);
    // In the (compressed) page content: the border is an artifact, the QR one black fill of many rectangles.
    const content = [...raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)]
      .map((m) => { try { return inflateSync(Buffer.from(m[1]!, 'latin1')).toString('latin1'); } catch { return ''; } }).join('\n');
    expect(content).toMatch(/\/Artifact <<\s*\/Type \/Layout\s*>> BDC/);
    expect(content).toMatch(/0 0 0 scn\n(?:[\d.]+ [\d.]+ [\d.]+ [\d.]+ re\n){100,}f\n/);
  });

  test('the CJK, Arabic and Hebrew fonts are read only when a name needs them', async () => {
    let render: typeof import('../../server/certificates/render') | undefined;
    let fonts: typeof import('../../server/certificates/fonts') | undefined;
    jest.isolateModules(() => {
      render = jest.requireActual('../../server/certificates/render');
      fonts = jest.requireActual('../../server/certificates/fonts');
    });
    await render!.renderCertificatePdf(cert('Zoë Αλέξανδρος Ольга Nguyễn'));
    expect(fonts!.loadedFamilies().sort()).toEqual(['latin-bold', 'latin-regular']);
    await render!.renderCertificatePdf(cert('김민준'));
    expect(fonts!.loadedFamilies().sort()).toEqual(['kr-bold', 'latin-bold', 'latin-regular']);
  });

  test('a certificate that cannot be drawn rejects instead of hanging', async () => {
    await expect(renderCertificatePdf(cert('Dee Done', { verifyUrl: `https://x.example/${'z'.repeat(5000)}` }))).rejects.toThrow(/too big/i);
  });
});
