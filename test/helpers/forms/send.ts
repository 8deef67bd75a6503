import zlib from 'node:zlib';
import type { Response } from 'supertest';
import { bytesOf, csvBytes, enc, type BodyGen, type FormGen, type MultipartGen, type RunGen } from './generators';
import type { Pair, Spec, Target } from './types';

// ---------------------------------------------------------------------------------------------------
// Sending.

export function urlFor(pattern: string, params: Record<string, string>, hostile: RunGen['param']): string {
  const names = [...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const chosen = hostile ? names[hostile.index] : undefined;
  return pattern.replace(/:(\w+)/g, (_m, name: string) => (name === chosen ? hostile!.value : encodeURIComponent(params[name] ?? '')));
}

export function formBody(g: FormGen, token: string, base: Pair[]): string {
  const pairs = [...base, ...g.pairs];
  const at = g.csrfAt % (pairs.length + 1);
  const encoded = pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`);
  encoded.splice(at, 0, `_csrf=${encodeURIComponent(token)}`);
  return [...encoded, ...g.junk].join('&');
}

export function multipartBody(spec: Spec, g: MultipartGen, token: string, base: Pair[]): { body: Buffer; type: string } {
  const eol = g.breakage === 'lf-only' ? '\n' : '\r\n';
  const parts: { name: string; filename: string | null; type: string | null; data: Buffer }[] = base.map(([k, v]) =>
    (k === 'csv' ? { name: 'file', filename: 'import.csv', type: 'text/csv', data: bytesOf(v) } : { name: k, filename: null, type: null, data: bytesOf(v) }));
  for (const p of g.parts) {
    const data = p.data.kind === 'csv' ? csvBytes(spec, p.data.csv) : p.data.kind === 'text' ? bytesOf(p.data.value)
      : p.data.kind === 'bytes' ? Buffer.from(p.data.bytes) : Buffer.alloc(p.data.size, 0x61);
    parts.push({ name: p.name, filename: p.filename, type: p.type, data });
  }
  if (g.breakage === 'many-parts') for (let i = 0; i < 30; i += 1) parts.push({ name: `f${i}`, filename: null, type: null, data: Buffer.from('x') });
  parts.splice(g.csrfAt % (parts.length + 1), 0, { name: '_csrf', filename: null, type: null, data: Buffer.from(token) });
  const chunks: Buffer[] = [];
  if (g.breakage === 'preamble') chunks.push(Buffer.from(g.garbage), Buffer.from(eol));
  parts.forEach((p, i) => {
    const disposition = `Content-Disposition: form-data; name="${p.name}"${p.filename === null ? '' : `; filename="${p.filename}"`}`;
    const headers = [g.breakage === 'no-disposition' && i === 0 ? 'X-Nothing: here' : disposition, ...(p.type ? [`Content-Type: ${p.type}`] : [])];
    chunks.push(bytesOf(`--${g.boundary}${eol}${headers.join(eol)}${eol}${eol}`), p.data, Buffer.from(eol));
  });
  if (g.breakage !== 'no-close') chunks.push(Buffer.from(`--${g.boundary}--${eol}`));
  let body = Buffer.concat(chunks);
  if (g.breakage === 'truncate') body = body.subarray(0, Math.floor(body.length * g.cut));
  if (g.breakage === 'garbage') body = Buffer.from(g.garbage);
  const type = g.breakage === 'no-boundary' ? 'multipart/form-data'
    : g.breakage === 'wrong-boundary' ? `multipart/form-data; boundary=${g.boundary}x`
      : g.breakage === 'quoted-boundary' ? `multipart/form-data; boundary="${g.boundary}"` : `multipart/form-data; boundary=${g.boundary}`;
  return { body, type };
}

export async function send(spec: Spec, target: Target, url: string, g: BodyGen, bases: Pair[][]): Promise<Response> {
  const req = target.agent.post(url).timeout(20_000);
  const base = (i: number | null) => (i === null || bases.length === 0 ? [] : bases[i % bases.length]!);
  if (g.kind === 'many') {
    return req.type('form').send([`_csrf=${encodeURIComponent(target.token)}`, ...Array.from({ length: g.count }, (_v, i) => `k${i}=v`)].join('&'));
  }
  if (g.kind === 'multipart') {
    const { body, type } = multipartBody(spec, g, target.token, base(g.base));
    return req.set('Content-Type', type).send(body);
  }
  const chosen = base(g.base).map(([k, v]): Pair => [k, v]);
  if (g.swap && chosen.length) chosen[g.swap.index % chosen.length]![1] = g.swap.value;
  const text = formBody(g, target.token, chosen);
  const form = 'application/x-www-form-urlencoded';
  switch (g.encoding) {
    case 'form': return req.set('Content-Type', form).send(text);
    case 'form-utf8': return req.set('Content-Type', `${form}; charset=UTF-8`).send(text);
    case 'form-latin1': return req.set('Content-Type', `${form}; charset=iso-8859-1`).send(text);
    case 'form-utf16': return req.set('Content-Type', `${form}; charset=utf-16`).send(Buffer.from(text, 'utf16le'));
    case 'text': return req.set('Content-Type', 'text/plain').send(text);
    case 'json': return req.set('Content-Type', 'application/json').send(JSON.stringify({ _csrf: target.token, ...Object.fromEntries(chosen) }));
    case 'gzip': return req.set('Content-Type', form).set('Content-Encoding', 'gzip').send(zlib.gzipSync(text));
    // Inflates to 20 MB: the 100 KB limit applies to what comes out, not to what was sent.
    case 'gzip-bomb': return req.set('Content-Type', form).set('Content-Encoding', 'gzip').send(zlib.gzipSync(`_csrf=${encodeURIComponent(target.token)}&a=${'a'.repeat(20 * 1024 * 1024)}`));
    case 'gzip-garbage': return req.set('Content-Type', form).set('Content-Encoding', 'gzip').send(text);
    case 'deflate': return req.set('Content-Type', form).set('Content-Encoding', 'deflate').send(zlib.deflateSync(text));
    case 'br-garbage': return req.set('Content-Type', form).set('Content-Encoding', 'br').send(text);
    case 'bogus-encoding': return req.set('Content-Type', form).set('Content-Encoding', 'x-bogus').send(text);
  }
}