import fc from 'fast-check';
import type { Pair, Spec } from './types';

// ---------------------------------------------------------------------------------------------------
// Generators.

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', '__proto__[role]',
  'constructor[prototype][role]', '__defineSetter__', '_csrf[]', '_csrf'];
export const NASTY = ['', ' ', '\u0000', 'a\u0000b', '\uFEFF', '\uFEFFAnn', '\u202Egnp.exe', '\r\n', '\t', "' OR 1=1 --", "Robert'); DROP TABLE users;--",
  '=cmd|/C calc', '<script>alert(1)</script>', '../../etc/passwd', '%00', '%', 'null', 'undefined', 'NaN', '-1', '0', '1e309', '9'.repeat(40),
  '2026-02-30', '[object Object]', '__proto__', 'constructor', '\uD800', '\uDFFF', 'a\uDBFFb', '\u{1F600}'.repeat(300), 'e\u0301', '\u2028',
  'x'.repeat(5000), 'yes\u0000', 'Ａｄａ', 'ß', 'İ'];
/** Raw fragments appended to a urlencoded body without encoding: broken percent-escapes and odd separators. */
export const BROKEN = ['%', '%%', '%E0%A4%A', '%zz', '%ED%A0%80', '%ED%BF%BF=%ED%A0%80', '%C0%AF', '%FF%FE', '%EF%BB%BF', '%00', '&&&', '===', 'a=%', '=x',
  '+', '%2', '_csrf', '_csrf=', '__proto__=1', '__proto__[role]=admin', 'constructor[prototype][role]=admin', 'a[]=1&a[]=2', 'x[__proto__][y]=1'];
export const HOSTILE_SEGMENTS = ['0', '-1', '1e3', '1.5', '0x10', '9'.repeat(40), '999999', 'abc', '%00', '%E0%A4%A', '%', '%2F..%2F', '..', '__proto__', 'constructor',
  'toString', '%ED%A0%80', "1'%20OR%20'1'%3D'1", '%EF%BB%BF1', '1%00', '%20', 'A'.repeat(43), `${'A'.repeat(42)}%ED%A0%80`, 'x'.repeat(3000)];

export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Percent-encodes like a browser, except that lone surrogates become the bytes no valid UTF-8 holds (ED A0 80 for U+D800). */
export function enc(s: string): string {
  if (!LONE_SURROGATE.test(s)) return encodeURIComponent(s);
  let out = '';
  for (let i = 0; i < s.length; i += 1) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(s[i]!);
    }
  }
  return out;
}

/** The bytes of a string, lone surrogates included (as above), for multipart bodies and CSV files. */
export function bytesOf(s: string): Buffer {
  if (!LONE_SURROGATE.test(s)) return Buffer.from(s, 'utf8');
  const e = enc(s);
  const out: number[] = [];
  for (let i = 0; i < e.length; i += 1) {
    if (e[i] === '%') {
      out.push(parseInt(e.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(e.charCodeAt(i));
    }
  }
  return Buffer.from(out);
}

export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => `a${String.fromCharCode(c)}z`);
export const huge = fc.tuple(fc.integer({ min: 20_000, max: 200_000 }), fc.constantFrom('x', 'é', '\u{1F600}', '\u0000', '%', '&')).map(([n, ch]) => ch.repeat(Math.ceil(n / ch.length)));

export function valueArb(spec: Spec): fc.Arbitrary<string> {
  const realistic = spec.values();
  const parts: fc.WeightedArbitrary<string>[] = [
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 1, arbitrary: loneSurrogate },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 1, arbitrary: fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: huge }) },
  ];
  if (realistic.length) parts.push({ weight: 5, arbitrary: fc.constantFrom(...realistic) });
  if (spec.csv) parts.push({ weight: 2, arbitrary: csvArb(spec).map((g) => csvText(spec, g)) });
  return fc.oneof(...parts);
}

export function keyArb(spec: Spec): fc.Arbitrary<string> {
  const fields = spec.fields();
  const parts: fc.WeightedArbitrary<string>[] = [
    { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  ];
  if (fields.length) {
    parts.push({ weight: 8, arbitrary: fc.constantFrom(...fields) });
    parts.push({ weight: 1, arbitrary: fc.constantFrom(...fields).chain((f) => fc.constantFrom(`${f}[]`, `${f}[0]`, `${f}[__proto__]`, ` ${f}`, f.toUpperCase())) });
  }
  return fc.oneof(...parts);
}

export interface CsvGen {
  header: 'real' | 'shuffled' | 'upper' | 'dup' | 'missing' | 'random';
  randomHeader: string;
  order: number[];
  rows: string[][];
  bom: 0 | 1 | 2;
  eol: '\n' | '\r\n' | '\r';
  quoteAll: boolean;
  brokenQuote: boolean;
  invalidUtf8: boolean;
  bulk: number;
}

export function csvArb(spec: Spec): fc.Arbitrary<CsvGen> {
  const csv = spec.csv!;
  const cell = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...csv.cells()) }, { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY) }, { weight: 1, arbitrary: loneSurrogate });
  return fc.record({
    header: fc.constantFrom<CsvGen['header']>('real', 'real', 'real', 'shuffled', 'upper', 'dup', 'missing', 'random'),
    randomHeader: fc.string({ unit: 'grapheme', maxLength: 40 }),
    order: fc.shuffledSubarray(csv.columns.map((_c, i) => i), { minLength: csv.columns.length, maxLength: csv.columns.length }),
    rows: fc.array(fc.array(cell, { minLength: csv.columns.length - 1, maxLength: csv.columns.length + 1 }), { maxLength: 6 }),
    bom: fc.constantFrom<CsvGen['bom']>(0, 0, 1, 2),
    eol: fc.constantFrom<CsvGen['eol']>('\n', '\r\n', '\r'),
    quoteAll: fc.boolean(),
    brokenQuote: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    invalidUtf8: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    // A big file now and then (rows made from a template); the 33,000-row case is a regression test at the end.
    bulk: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 200, max: 1500 }) }),
  });
}

export function csvText(spec: Spec, g: CsvGen): string {
  const cols = spec.csv!.columns;
  const header = g.header === 'random' ? [g.randomHeader]
    : g.header === 'shuffled' ? g.order.map((i) => cols[i]!)
      : g.header === 'upper' ? cols.map((c) => ` ${c.toUpperCase()} `)
        : g.header === 'dup' ? [...cols, cols[0]!]
          : g.header === 'missing' ? cols.slice(1) : cols;
  const quote = (c: string) => (g.quoteAll || /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  const lines = [header.map(quote).join(','), ...g.rows.map((r) => r.map(quote).join(','))];
  for (let i = 0; i < g.bulk; i += 1) lines.push(spec.csv!.bulkRow(i).map(quote).join(','));
  if (g.brokenQuote && lines.length > 1) lines[1] = `"${lines[1]}`;
  return '\uFEFF'.repeat(g.bom) + lines.join(g.eol);
}

export function csvBytes(spec: Spec, g: CsvGen): Buffer {
  const b = bytesOf(csvText(spec, g));
  return g.invalidUtf8 ? Buffer.concat([b.subarray(0, b.length >> 1), Buffer.from([0xff, 0xfe, 0xc3]), b.subarray(b.length >> 1)]) : b;
}

export type Encoding = 'form' | 'form-utf8' | 'form-latin1' | 'form-utf16' | 'text' | 'json' | 'gzip' | 'gzip-bomb' | 'gzip-garbage' | 'deflate' | 'br-garbage' | 'bogus-encoding';

export interface FormGen {
  kind: 'form';
  base: number | null;
  /** One field of the base body given a random value instead: a hostile value in an otherwise valid form. */
  swap: { index: number; value: string } | null;
  pairs: Pair[];
  csrfAt: number;
  junk: string[];
  encoding: Encoding;
}
export interface ManyGen { kind: 'many'; count: number }
export interface PartGen {
  name: string;
  filename: string | null;
  type: string | null;
  data: { kind: 'csv'; csv: CsvGen } | { kind: 'text'; value: string } | { kind: 'bytes'; bytes: Uint8Array } | { kind: 'big'; size: number };
}
export type Breakage = 'none' | 'no-boundary' | 'wrong-boundary' | 'quoted-boundary' | 'lf-only' | 'no-close' | 'no-disposition' | 'preamble' | 'garbage' | 'many-parts' | 'truncate';
export interface MultipartGen {
  kind: 'multipart';
  base: number | null;
  boundary: string;
  parts: PartGen[];
  csrfAt: number;
  breakage: Breakage;
  cut: number;
  garbage: Uint8Array;
}
export type BodyGen = FormGen | ManyGen | MultipartGen;

export interface RunGen {
  param: { index: number; value: string } | null;
  body: BodyGen;
}

export function formArb(spec: Spec): fc.Arbitrary<FormGen> {
  return fc.record({
    kind: fc.constant('form' as const),
    base: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.nat() }),
    swap: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ index: fc.nat(), value: valueArb(spec) }) }),
    pairs: fc.oneof({ weight: 1, arbitrary: fc.constant<Pair[]>([]) }, { weight: 2, arbitrary: fc.array(fc.tuple(keyArb(spec), valueArb(spec)), { minLength: 1, maxLength: 8 }) }),
    csrfAt: fc.nat(),
    junk: fc.oneof({ weight: 4, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(fc.constantFrom(...BROKEN), { minLength: 1, maxLength: 3 }) }),
    encoding: fc.oneof(
      { weight: 24, arbitrary: fc.constant<Encoding>('form') },
      { weight: 1, arbitrary: fc.constantFrom<Encoding>('form-utf8', 'form-latin1', 'form-utf16', 'text', 'json', 'gzip', 'gzip-bomb', 'gzip-garbage', 'deflate', 'br-garbage', 'bogus-encoding') },
    ),
  });
}

export function multipartArb(spec: Spec): fc.Arbitrary<MultipartGen> {
  const names = fc.oneof(
    { weight: 4, arbitrary: fc.constant('file') },
    { weight: 3, arbitrary: fc.constantFrom(...new Set(['csv', 'files', 'file[]', '__proto__', 'constructor', 'toString', '_csrf', ...spec.fields()])) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 0, maxLength: 12 }) },
  );
  const data: fc.Arbitrary<PartGen['data']> = fc.oneof(
    ...(spec.csv ? [{ weight: 6, arbitrary: csvArb(spec).map((csv) => ({ kind: 'csv' as const, csv })) }] : []),
    { weight: 3, arbitrary: valueArb(spec).map((value) => ({ kind: 'text' as const, value })) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 400 }).map((bytes) => ({ kind: 'bytes' as const, bytes })) },
    // Past the 100 KB field limit, or past the 5 MB file limit.
    { weight: 1, arbitrary: fc.constantFrom(150_000, 5 * 1024 * 1024 + 1).map((size) => ({ kind: 'big' as const, size })) },
  );
  return fc.record({
    kind: fc.constant('multipart' as const),
    base: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
    boundary: fc.oneof(fc.constant('----PropertyFormsBoundary7MA4YWxk'), fc.stringMatching(/^[A-Za-z0-9'()+_,\-./:=?]{1,70}$/)),
    parts: fc.array(fc.record({
      name: names,
      filename: fc.oneof(fc.constant(null), fc.constantFrom('people.csv', 'a.txt', '../../etc/passwd', 'x"y.csv', 'é.csv', 'a\r\nb.csv', ''), fc.string({ unit: 'grapheme', maxLength: 30 })),
      type: fc.oneof(fc.constant(null), fc.constantFrom('text/csv', 'text/plain; charset=utf-16', 'application/octet-stream', 'image/png')),
      data,
    }), { maxLength: 4 }),
    csrfAt: fc.nat(),
    breakage: fc.oneof(
      { weight: 10, arbitrary: fc.constant<Breakage>('none') },
      { weight: 1, arbitrary: fc.constantFrom<Breakage>('no-boundary', 'wrong-boundary', 'quoted-boundary', 'lf-only', 'no-close', 'no-disposition', 'preamble', 'garbage', 'many-parts') },
      { weight: 2, arbitrary: fc.constant<Breakage>('truncate') },
    ),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
    garbage: fc.uint8Array({ minLength: 1, maxLength: 2000 }),
  });
}

export function runArb(spec: Spec, paramNames: string[]): fc.Arbitrary<RunGen> {
  const segment = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map(enc) },
    { weight: 1, arbitrary: loneSurrogate.map(enc) },
  );
  const param = paramNames.length === 0 ? fc.constant(null)
    : fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ index: fc.nat({ max: paramNames.length - 1 }), value: segment }) });
  // Multipart reaches every route (the parser is global), the CSV imports most often.
  const body: fc.Arbitrary<BodyGen> = fc.oneof(
    { weight: spec.csv ? 10 : 16, arbitrary: formArb(spec) },
    { weight: 1, arbitrary: fc.integer({ min: 201, max: 400 }).map((count): ManyGen => ({ kind: 'many', count })) },
    { weight: spec.csv ? 9 : 2, arbitrary: multipartArb(spec) },
  );
  return fc.record({ param, body });
}