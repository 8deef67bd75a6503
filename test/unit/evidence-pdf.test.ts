import { Writable } from 'node:stream';
import { formatDateTime } from '../../server/dates';
import { writeEvidencePdf, type EvidenceLine, type EvidencePack } from '../../server/reports/evidence';
import { inventName, SCRIPTS, type ScriptName } from '../helpers/names';
import { emptyPages, fontsOf, plainText } from '../helpers/poppler';

async function pdfOf(pack: EvidencePack): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } });
  await writeEvidencePdf(pack, out);
  return Buffer.concat(chunks);
}

const scripts = Object.keys(SCRIPTS) as ScriptName[];

function line(i: number, length = 12 + (i % 5) * 9): EvidenceLine {
  const name = inventName(scripts[i % scripts.length]!, length, i + 1);
  return {
    employeeId: `E${1000 + i}`, name, email: `person${i}@riverside.example`, status: 'active', courseId: 'hipaa-social-media', course: 'HIPAA & social media', assignment: 'Everyone', cycle: '2026',
    completedOn: '2026-11-02', validUntil: '2027-11-02', source: 'quiz', score: '92', contentVersion: 'cccccccccccc',
    attestation: `Social Media Policy v1.0, signed "${name}" on 2026-11-02`, certificate: `PR-7KQ4-M2XD-9WTA-${String(i).padStart(4, '0')} (valid)`,
  };
}

function pack(lines: EvidenceLine[]): EvidencePack {
  return {
    title: 'HIPAA workforce training evidence', scope: 'Department: Nursing — ICU', orgName: 'Riverside General',
    // 14:30 UTC is 09:30 in New York: the pack says the local time, as pages do.
    generatedAt: new Date(Date.UTC(2026, 11, 2, 14, 30)), timeZone: 'America/New_York', generatedBy: 'Mara Quill <mara@riverside.example>', people: lines.length, lines,
  };
}

describe('the evidence PDF', () => {
  test.each([1, 7, 40, 95])('a department pack of %i lines has no empty page and every line on it', async (n) => {
    const lines = Array.from({ length: n }, (_, i) => line(i));
    const pdf = await pdfOf(pack(lines));
    const { pages, empty } = await emptyPages(pdf);
    expect(empty).toEqual([]);
    const text = await plainText(pdf);
    expect(text).toContain(`${n} lines on ${pages} pages`);
    for (const l of lines) expect(text.replace(/\s+/g, '')).toContain(l.employeeId);
  }, 60_000);

  test('says when it was generated in the organisation\'s time zone, in the style of the pages', async () => {
    const text = (await plainText(await pdfOf(pack([line(0)])))).replace(/\s+/g, ' ');
    expect(text).toContain(`Generated ${formatDateTime('2026-12-02T14:30:00.000Z', 'America/New_York')} by Mara Quill`);
    expect(text).toContain('Generated 2 Dec 2026, 09:30');
    expect(text).not.toMatch(/14:30|UTC/);
    expect(text).toContain('Page 1 · 2 Dec 2026');
  });

  test('names in every script print from embedded fonts and read back', async () => {
    // Short enough to stay on one line of the Name column, so each reads back whole.
    const lines = scripts.map((_, i) => line(i, 8));
    const pdf = await pdfOf(pack(lines));
    for (const f of await fontsOf(pdf)) expect(f).toMatchObject({ embedded: true });
    const text = await plainText(pdf);
    for (const l of lines) {
      // Quotes at either end of a cut name belong to no word, and extractors place them as they see fit
      // (the certificate test checks quoted names whole); the letters and spaces must read back as typed.
      expect(text).toContain(l.name.replace(/^["«»“”\s]+|["«»“”\s]+$/gu, ''));
    }
    expect(text).not.toContain('\ufffd');
  }, 60_000);
});
