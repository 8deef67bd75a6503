import { z } from 'zod';
import { fieldsOf, NO_FIELDS, parseForm, parseQuery, queryId, queryPage, queryText, rawFormValue } from '../../server/http/validate';
import { mergeRequestSchemas } from '../../server/request-schemas';

const form = z.object({
  name: z.string().trim().min(1, 'Enter a name.'),
  note: z.string().max(3, 'Too long.'),
  next: rawFormValue(z.unknown().transform((v) => (typeof v === 'string' ? v : '/'))),
});

describe('parseForm reads the fields its schema names', () => {
  test('the field list is the schema\'s shape, in order', () => {
    expect(fieldsOf(form)).toEqual(['name', 'note', 'next']);
    expect(fieldsOf(NO_FIELDS)).toEqual([]);
  });

  test('unknown fields are ignored, missing ones are empty, and the data is the schema\'s output', () => {
    const r = parseForm(form, { name: ' Ann ', note: 'ab', extra: 'x', next: '/home' });
    expect(r).toEqual({ ok: true, data: { name: 'Ann', note: 'ab', next: '/home' }, values: { name: ' Ann ', note: 'ab', next: '/home' } });
    const missing = parseForm(form, undefined);
    expect(missing).toEqual({ ok: false, errors: { name: 'Enter a name.' }, values: { name: '', note: '', next: '' } });
  });

  test('a repeated field is refused with its own sentence, except a raw field, which gets the value as sent', () => {
    const r = parseForm(form, { name: ['a', 'b'], note: 'abcd', next: ['/a', '/b'] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual({ name: 'Send this field once, as text.', note: 'Too long.' });
    const raw = parseForm(form, { name: 'A', note: '', next: ['/a', '/b'] });
    expect(raw.ok && raw.data.next).toBe('/');
  });
});

describe('parseQuery never throws', () => {
  const lenient = z.object({ q: queryText(5), page: queryPage, id: queryId });

  test('values it cannot use fall back to their defaults', () => {
    expect(parseQuery(lenient, { q: ['a', 'b'], page: '-3', id: ' 12 ' })).toEqual({ ok: true, data: { q: undefined, page: 1, id: 12 } });
    expect(parseQuery(lenient, { q: 'toolong', page: { a: '1' }, id: '1e3' })).toEqual({ ok: true, data: { q: undefined, page: 1, id: undefined } });
    expect(parseQuery(lenient, null)).toEqual({ ok: true, data: { q: undefined, page: 1, id: undefined } });
  });

  test('keys on the prototype are never read', () => {
    const proto = z.object({ constructor: queryText(), toString: queryText() });
    expect(parseQuery(proto, {})).toEqual({ ok: true, data: { constructor: undefined, toString: undefined } });
  });

  test('a schema that refuses gives every message in one sentence', () => {
    const strict = z.object({ a: z.string('A is text.'), b: z.string().min(2, 'B is longer.') });
    expect(parseQuery(strict, { a: ['x'], b: 'x' })).toEqual({ ok: false, message: 'A is text. B is longer.' });
  });
});

test('a route named in two requests files stops the registry from loading', () => {
  expect(() => mergeRequestSchemas([{ 'GET /a': NO_FIELDS }, { 'GET /b': NO_FIELDS, 'GET /a': NO_FIELDS }])).toThrow('GET /a has a request schema in two files');
  expect(Object.keys(mergeRequestSchemas([{ 'GET /a': NO_FIELDS }, { 'POST /a': NO_FIELDS }]))).toEqual(['GET /a', 'POST /a']);
});
