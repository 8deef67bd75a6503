import { PassThrough, Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvLine, ExportAborted, neutralise, send } from '../../server/reports/csv-export';

describe('CSV records', () => {
  test('any strings survive a round trip through a standard CSV parser', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 20 }), (records) => {
      const text = records.map(csvLine).join('');
      const back = parse(text, { relax_column_count: true, record_delimiter: '\r\n' }) as string[][];
      expect(back).toEqual(records);
    }), { seed: 20261128, numRuns: 300 });
  });

  test('quotes, commas and line breaks are quoted; plain values are not', () => {
    expect(csvLine(['a', 'b c', 'x,y', 'say "hi"', 'two\nlines', ''])).toBe('a,b c,"x,y","say ""hi""","two\nlines",\r\n');
  });

  test('formula starters are neutralised for spreadsheets', () => {
    for (const v of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) expect(neutralise(v)).toBe(`'${v}`);
    expect(neutralise('Dana = nurse')).toBe('Dana = nurse');
  });

  test('fullwidth, small-form and hidden formula starters are neutralised too (zero-width, BOM, no-break or plain space in front)', () => {
    const starters = ['=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', '\uFE66', '\uFE62', '\uFE63', '\uFE6B'];
    const hiders = ['', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00A0', ' ', '\u3000', '\u200B\uFEFF ', '\u00AD', '\u180E', '\n'];
    for (const h of hiders) {
      for (const s of starters) {
        const v = `${h}${s}HYPERLINK("http://evil.example","x")`;
        expect([v, neutralise(v)]).toEqual([v, `'${v}`]);
      }
    }
  });

  test('values that only contain a starter later, or invisible characters alone, are kept as they are', () => {
    for (const v of ['', ' ', '\u200B', 'Nursing/ICU', 'A-1', 'Dana \uFF1D nurse', '2026-11-02', '85', 'PR-7KQ4-M2XD-9WTA-H3NB', 'Ｄana', '\u200BDana']) {
      expect(neutralise(v)).toBe(v);
    }
  });

  test('any value that NFKC-folds, behind any invisible prefix, to a formula starter gets the apostrophe', () => {
    const invisible = fc.constantFrom('', ' ', '\u200B', '\uFEFF', '\u2060', '\u00A0', '\u2007');
    const starter = fc.constantFrom('=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20');
    fc.assert(fc.property(fc.array(invisible, { maxLength: 3 }), starter, fc.string({ maxLength: 20 }), (lead, s, rest) => {
      const v = `${lead.join('')}${s}${rest}`;
      expect(neutralise(v)).toBe(`'${v}`);
    }), { seed: 20261212, numRuns: 300 });
  });
});

describe('send', () => {
  test('waits for the client to drain a full buffer', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    const chunks: string[] = [];
    const sending = send(out, 'more than four bytes');
    let done = false;
    void sending.then(() => { done = true; });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    await sending;
    expect(chunks.join('')).toBe('more than four bytes');
  });

  test('fails with ExportAborted when the client goes away mid-export, and at once after', async () => {
    const out = new Writable({ highWaterMark: 4, write: () => undefined }); // never finishes a write: a stalled client
    const sending = send(out, 'more than four bytes');
    out.destroy();
    await expect(sending).rejects.toBeInstanceOf(ExportAborted);
    await expect(send(out, 'x')).rejects.toBeInstanceOf(ExportAborted);
  });
});
