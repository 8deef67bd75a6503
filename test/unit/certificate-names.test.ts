import { renderCertificatePdf, type CertificateData } from '../../server/certificates/render';
import { DocumentFonts } from '../../server/certificates/fonts';
import { lineRuns, isRtlParagraph } from '../../server/certificates/text-runs';
import { userFields } from '../../server/users/fields';
import { inventName, SCRIPTS, type ScriptName } from '../helpers/names';
import { fontsOf, overlap, plainText, textLines, type TextLine } from '../helpers/poppler';

// The longest name the app accepts (server/users/fields.ts): checked below, so a change there shows here.
const MAX = 200;

function cert(learnerName: string): CertificateData {
  return {
    orgName: 'Riverside General', learnerName, courseTitle: 'HIPAA & social media: privacy in every conversation', courseVersion: '2026.1', contentHash: 'c'.repeat(64),
    completedOn: '2 Nov 2026', validUntil: '2 Nov 2027', how: 'Quiz score 92%',
    // The signed line carries the name too: it must fit as well, whatever its length and script.
    attestation: `Attested to the Social Media and Patient Privacy Policy (version 1.0) on 2 Nov 2026, signed "${learnerName}"`,
    code: 'PR-7KQ4-M2XD-9WTA-H3NB', verifyUrl: 'https://training.riverside.example/verify/PR-7KQ4-M2XD-9WTA-H3NB', issuedAt: new Date(Date.UTC(2026, 10, 2, 14)),
  };
}

/** The lines poppler reads between "This certifies that" and "has completed the training": the name. */
function nameLines(lines: TextLine[]): TextLine[] {
  const start = lines.findIndex((l) => l.text === 'This certifies that');
  const end = lines.findIndex((l) => l.text === 'has completed the training');
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start + 1);
  return lines.slice(start + 1, end);
}

/**
 * Whether `name` is exactly the extracted lines, one after the other, with at most the one space a line
 * was broken at left out between them: every character, in reading order, nothing else.
 */
function isLinesOf(name: string, lines: string[]): boolean {
  let rest = name;
  for (const [i, line] of lines.entries()) {
    if (!rest.startsWith(line)) return false;
    rest = rest.slice(line.length);
    if (i < lines.length - 1 && rest.startsWith(' ')) rest = rest.slice(1);
  }
  return rest === '';
}

const lengths = [1, 50, 120, MAX];
const cases = (Object.keys(SCRIPTS) as ScriptName[]).flatMap((script) => lengths.map((length) => [script, length] as const));

describe('certificates print every name', () => {
  test(`the app accepts names of up to ${MAX} characters, and the generated ones are that long`, () => {
    const longest = inventName('arabic', MAX, 7);
    expect([...longest]).toHaveLength(MAX);
    expect(userFields.shape.name.safeParse(longest).success).toBe(true);
    expect(userFields.shape.name.safeParse(`${longest}x`).success).toBe(false);
  });

  test.each(cases)('a %s name of %i characters: no two text lines overlap, the name reads back exactly, every font embedded and covering it', async (script, length) => {
    const name = inventName(script, length, length * 31 + script.length);
    expect([...name]).toHaveLength(length);
    expect(name).toBe(name.normalize('NFC'));
    if (script === 'arabic' && length >= 50) expect(name).toMatch(/ .*«.+»/u);
    const pdf = await renderCertificatePdf(cert(name));

    const lines = await textLines(pdf);
    expect(new Set(lines.map((l) => l.page))).toEqual(new Set([1]));
    for (let i = 0; i < lines.length; i += 1) {
      for (let j = i + 1; j < lines.length; j += 1) {
        if (overlap(lines[i]!, lines[j]!)) throw new Error(`"${lines[i]!.text}" overlaps "${lines[j]!.text}"`);
      }
      // Inside the inner border.
      expect(lines[i]!.xMin).toBeGreaterThanOrEqual(32);
      expect(lines[i]!.xMax).toBeLessThanOrEqual(792 - 32);
    }
    // Above the QR code (a figure, which pdftotext does not box): everything before the certificate code.
    const codeLine = lines.findIndex((l) => l.text.startsWith('Certificate code:'));
    for (const l of lines.slice(0, codeLine)) expect(l.yMax).toBeLessThanOrEqual(430);

    // The name in reading order, as pdftotext reads it (its right-to-left words put back in order).
    const text = (await plainText(pdf)).split('\n').filter((l) => l.trim() !== '');
    const placed = nameLines(lines);
    const start = text.indexOf('This certifies that');
    const read = text.slice(start + 1, start + 1 + placed.length);
    if (!isLinesOf(name, read)) expect({ read, lines: placed.map((l) => l.text) }).toEqual({ name });
    expect(text.join('\n')).not.toContain('\ufffd');

    // Every font is embedded, and every character of every run has a glyph in the run's font (no .notdef).
    const fonts = await fontsOf(pdf);
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) expect(f).toMatchObject({ embedded: true });
    const doc = new DocumentFonts();
    for (const face of ['regular', 'bold'] as const) {
      for (const run of lineRuns(name, face, isRtlParagraph(name))) {
        for (const ch of run.text) expect([ch, run.family, doc.get(run.family, face).hasGlyphForCodePoint(ch.codePointAt(0)!)]).toEqual([ch, run.family, true]);
      }
    }
  }, 60_000);
});
