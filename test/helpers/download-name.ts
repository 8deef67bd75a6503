/**
 * Reads a Content-Disposition header back the way a browser does (RFC 6266): the UTF-8 `filename*`
 * (RFC 8187) when present, and the plain `filename`. Throws when the header does not have the grammar
 * the app promises, so a test cannot pass on a header a browser would misread.
 */
export function downloadName(header: string | undefined): { utf8: string; ascii: string } {
  if (!header) throw new Error('no Content-Disposition header');
  const m = /^attachment; filename="([\x20-\x21\x23-\x5b\x5d-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)$/.exec(header);
  if (!m) throw new Error(`Content-Disposition does not follow RFC 6266: ${JSON.stringify(header)}`);
  return { ascii: m[1]!, utf8: decodeURIComponent(m[2]!) };
}
