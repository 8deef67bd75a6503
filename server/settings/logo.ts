import { crc32, inflateSync } from 'node:zlib';

/**
 * Checking an uploaded logo by its content, never by its file name or the type the browser claims.
 * PNG: the signature and a sane IHDR. SVG: UTF-8 text whose root element is <svg>, refused when it
 * holds anything that could run or fetch (scripts, event attributes, foreignObject, external or
 * javascript: references, DOCTYPE entities). It is also served with a sandboxing CSP (routes.ts), so a
 * file that slipped past these checks still could not run script when opened directly.
 */

export const LOGO_MAX_BYTES = 200 * 1024;
/** Pixel limits for PNG: a logo is small, and a huge canvas costs memory wherever it is decoded. */
const PNG_MAX_SIDE = 4000;

export type LogoType = 'png' | 'svg';
export const LOGO_MEDIA_TYPE: Readonly<Record<LogoType, 'image/png' | 'image/svg+xml'>> = { png: 'image/png', svg: 'image/svg+xml' };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type LogoCheck = { ok: true; type: LogoType } | { ok: false; problem: string };

function checkPng(data: Buffer): LogoCheck {
  // Signature, then the IHDR chunk first: length 13, type "IHDR", width and height.
  if (data.length < 33 || data.readUInt32BE(8) !== 13 || data.toString('latin1', 12, 16) !== 'IHDR') {
    return { ok: false, problem: 'The file starts like a PNG image but is damaged. Export the logo again as PNG or SVG.' };
  }
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  if (width === 0 || height === 0 || width > PNG_MAX_SIDE || height > PNG_MAX_SIDE) {
    return { ok: false, problem: `The PNG image is ${width} × ${height} pixels; use one of at most ${PNG_MAX_SIDE} pixels on each side.` };
  }
  return pngDecodes(data, width, height) ? { ok: true, type: 'png' }
    : { ok: false, problem: 'The file starts like a PNG image but is damaged. Export the logo again as PNG or SVG.' };
}

/** Bytes a row of each colour type holds per pixel-sample, by PNG colour type (greyscale, RGB, palette, grey+alpha, RGBA). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * The whole PNG decodes: every chunk's CRC holds, the image data inflates, and (not interlaced) it is
 * exactly as long as the header says. The PDF renderers decode the logo on every certificate and
 * evidence pack, and a damaged one can throw there outside any request (png-js inflates in a callback),
 * so it is refused here, once, with a message.
 */
function pngDecodes(data: Buffer, width: number, height: number): boolean {
  const bitDepth = data[24]!;
  const channels = CHANNELS[data[25]!];
  const interlaced = data[28] === 1;
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(bitDepth)) return false;
  const idat: Buffer[] = [];
  let at = 8;
  let ended = false;
  while (at + 12 <= data.length && !ended) {
    const length = data.readUInt32BE(at);
    if (at + 12 + length > data.length) return false;
    const type = data.toString('latin1', at + 4, at + 8);
    if ((crc32(data.subarray(at + 4, at + 8 + length)) >>> 0) !== data.readUInt32BE(at + 8 + length)) return false;
    if (type === 'IDAT') idat.push(data.subarray(at + 8, at + 8 + length));
    ended = type === 'IEND';
    at += 12 + length;
  }
  if (!ended || idat.length === 0) return false;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: 4 * PNG_MAX_SIDE * PNG_MAX_SIDE * 2 + PNG_MAX_SIDE });
  } catch {
    return false;
  }
  // One filter byte a row, then the row's samples; an interlaced image is laid out in seven passes.
  return interlaced || raw.length === height * (1 + Math.ceil((width * channels * bitDepth) / 8));
}

const NOT_AN_IMAGE = 'That file is not a PNG or SVG image (an SVG must be UTF-8 text). Choose the logo as a .png or .svg file.';

/** Anything in an SVG that runs script, loads something from elsewhere, or expands entities. */
const SVG_FORBIDDEN: readonly [RegExp, string][] = [
  [/<!DOCTYPE|<!ENTITY/i, 'a DOCTYPE or entity declaration'],
  [/<\s*(?:[\w-]+:)?script\b/i, 'a script'],
  [/<\s*(?:[\w-]+:)?foreignObject\b/i, 'a foreignObject element'],
  [/<\s*(?:[\w-]+:)?(?:iframe|embed|object|handler|listener)\b/i, 'an embedded document or handler'],
  [/\son[a-z]+\s*=/i, 'an event attribute (onload, onclick…)'],
  [/(?:java|vb)script\s*:/i, 'a javascript: link'],
  [/(?:href|src)\s*=\s*["']\s*(?!#|data:image\/(?:png|jpeg|gif);base64,)/i, 'a link to another file or site'],
  [/@import|url\(\s*["']?\s*(?!#)/i, 'a style that loads something from elsewhere'],
];

/** <use> copies other elements, and copies of copies multiply: a few are normal in a logo, many are a bomb. */
const SVG_MAX_USES = 20;

function checkSvg(data: Buffer): LogoCheck {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
  // Binary that is not a PNG (JPEG, GIF, PDF…) ends here, as does an SVG saved in another encoding.
  if (text.includes('\uFFFD') || text.includes('\0')) return { ok: false, problem: NOT_AN_IMAGE };
  // The root element after an optional BOM, XML declaration and comments.
  const body = text.replace(/^\uFEFF/, '').replace(/^\s*<\?xml[^>]*\?>/, '').replace(/^(?:\s*<!--[\s\S]*?-->)*\s*/, '');
  const isSvg = /^<svg[\s>]/.test(body) && /<\/svg>\s*$/.test(body);
  // What an SVG may not hold is named even when it also breaks the shape (a DOCTYPE before the root).
  const found = isSvg || /<svg[\s>]/.test(text) ? SVG_FORBIDDEN.filter(([pattern]) => pattern.test(text)).map(([, what]) => what) : [];
  if ((text.match(/<\s*(?:[\w-]+:)?use\b/gi) ?? []).length > SVG_MAX_USES) found.push(`more than ${SVG_MAX_USES} <use> elements`);
  if (found.length) return { ok: false, problem: `The SVG contains ${found.join(', ')}, which a logo may not. Export it again as a plain SVG or as PNG.` };
  if (!isSvg) return { ok: false, problem: NOT_AN_IMAGE };
  return { ok: true, type: 'svg' };
}

/** What the bytes are: a PNG, a safe SVG, or a problem in words (too big, empty, not an image). */
export function checkLogo(data: Buffer): LogoCheck {
  if (data.length === 0) return { ok: false, problem: 'The file is empty. Choose the logo as a .png or .svg file.' };
  if (data.length > LOGO_MAX_BYTES) {
    return { ok: false, problem: `The logo is ${Math.ceil(data.length / 1024)} KB; the largest allowed is ${LOGO_MAX_BYTES / 1024} KB. Make it smaller and upload it again.` };
  }
  if (data.subarray(0, 8).equals(PNG_SIGNATURE)) return checkPng(data);
  return checkSvg(data);
}
