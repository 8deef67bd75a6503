/**
 * A download's Content-Disposition header for any file name (RFC 6266): `filename*` carries the name in
 * UTF-8 (RFC 8187), and `filename` an ASCII stand-in for clients that read only that. Characters that
 * would end the header or the quoted string, and path separators, never reach either form.
 */
export function attachment(fileName: string): string {
  const utf8 = cleanFileName(fileName);
  return `attachment; filename="${asciiFileName(utf8)}"; filename*=UTF-8''${encodeExtValue(utf8)}`;
}

// Control characters, quotes, path separators and the characters Windows refuses in names, plus the
// invisible format and bidi controls that can make "evil‮fdp.exe" read as something else.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}"\\/:*?<>|]+/gu;

/** The name with every unsafe character turned into "-", runs of "-" and spaces folded, at most 150 characters. */
export function cleanFileName(name: string): string {
  const cleaned = name.normalize('NFC').replace(UNSAFE, '-').replace(/\s+/gu, ' ').replace(/-{2,}/g, '-').trim();
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 5 ? cleaned.slice(dot) : '';
  const stem = [...cleaned.slice(0, cleaned.length - ext.length)].slice(0, 150 - ext.length).join('');
  return `${stem.replace(/^[-. ]+|[-. ]+$/g, '') || 'download'}${ext}`;
}

/** The ASCII stand-in: accents dropped ("Fernández" → "Fernandez"), any other non-ASCII run becomes "-". */
export function asciiFileName(name: string): string {
  const ascii = (s: string) => s.normalize('NFKD').replace(/\p{M}+/gu, '').replace(/[^A-Za-z0-9._ -]+/g, '-').replace(/-{2,}/g, '-');
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && /^\.[A-Za-z0-9]{1,4}$/.test(name.slice(dot)) ? name.slice(dot) : '';
  const stem = ascii(name.slice(0, name.length - ext.length)).replace(/^[-. ]+|[-. ]+$/g, '');
  return `${stem || 'download'}${ext}`;
}

/** RFC 8187 ext-value: percent-encoded UTF-8 of everything but attr-char. */
function encodeExtValue(s: string): string {
  return encodeURIComponent(s).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
