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
