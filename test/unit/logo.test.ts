import { crc32 } from 'node:zlib';
import { checkLogo, LOGO_MAX_BYTES } from '../../server/settings/logo';
import { PLAIN_SVG, solidPng } from '../helpers/images';

// The logo is checked by its content: what a PNG or SVG may hold, whatever its file name says.

const svg = (inner: string, attrs = '') => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"${attrs} viewBox="0 0 10 10">${inner}</svg>`);
const problem = (data: Buffer) => {
  const r = checkLogo(data);
  return r.ok ? `ok ${r.type}` : r.problem;
};

describe('checkLogo', () => {
  test('accepts a real PNG and a plain SVG (with BOM, XML declaration, comments, internal links and gradients)', () => {
    expect(problem(solidPng(10, 10))).toBe('ok png');
    expect(problem(Buffer.from(PLAIN_SVG))).toBe('ok svg');
    expect(problem(Buffer.from(`\uFEFF<?xml version="1.0"?>\n<!-- logo -->\n${svg('<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="5" height="5"/><use xlink:href="#g"/>',
      ' xmlns:xlink="http://www.w3.org/1999/xlink"').toString()}`))).toBe('ok svg');
    expect(problem(svg('<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>'))).toBe('ok svg');
  });

  test('refuses what could run script, load something from elsewhere or expand entities', () => {
    const cases: [Buffer, string][] = [
      [svg('<script>alert(1)</script>'), 'a script'],
      [svg('<svg:script>alert(1)</svg:script>'), 'a script'],
      [svg('<rect width="1" height="1"/>', ' onload="alert(1)"'), 'an event attribute'],
      [svg('<a href="javascript:alert(1)"><rect width="1" height="1"/></a>'), 'a javascript: link'],
      [svg('<foreignObject><div>x</div></foreignObject>'), 'a foreignObject element'],
      [svg('<image href="https://tracker.example/pixel.png"/>'), 'a link to another file or site'],
      [svg('<use xlink:href="other.svg#a"/>'), 'a link to another file or site'],
      [svg('<style>@import url(https://evil.example/a.css);</style>'), 'a style that loads something from elsewhere'],
      [svg('<rect style="fill:url(https://evil.example/p)" width="1" height="1"/>'), 'a style that loads something from elsewhere'],
      [Buffer.from(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>${svg('<text>&a;</text>').toString()}`), 'a DOCTYPE or entity declaration'],
    ];
    for (const [data, what] of cases) expect([data.toString(), problem(data)]).toEqual([data.toString(), expect.stringContaining(what)]);
  });

  test('refuses an empty file, one over the size limit, a damaged or huge PNG, and anything that is not PNG or SVG', () => {
    expect(problem(Buffer.alloc(0))).toContain('The file is empty');
    expect(problem(Buffer.concat([solidPng(2, 2), Buffer.alloc(LOGO_MAX_BYTES)]))).toContain('the largest allowed is 200 KB');
    expect(problem(solidPng(2, 2).subarray(0, 20))).toContain('damaged');
    const huge = solidPng(1, 1);
    huge.writeUInt32BE(5000, 16);
    expect(problem(huge)).toContain('5000 × 1 pixels');
    for (const other of [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), Buffer.from('GIF89a'), Buffer.from('%PDF-1.7\n'), Buffer.from('<html><svg></svg></html>'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg">'), Buffer.from('<svg>', 'utf16le')]) {
      expect(problem(other)).toContain('not a PNG or SVG image');
    }
  });

  test('refuses a PNG whose image data does not decode (the PDF renderers would fail on it later, outside any request)', () => {
    const good = solidPng(16, 8, [240, 120, 20]);
    const idat = good.indexOf('IDAT', 0, 'latin1');
    const length = good.readUInt32BE(idat - 4);
    // Damaged compressed data, with its CRC made right again so only the inflate can notice.
    const garbled = Buffer.from(good);
    garbled.fill(0xab, idat + 4, idat + 4 + length);
    garbled.writeUInt32BE(crc32(garbled.subarray(idat, idat + 4 + length)) >>> 0, idat + 4 + length);
    expect(problem(garbled)).toContain('damaged');
    // One flipped byte: the chunk's CRC no longer holds.
    const flipped = Buffer.from(good);
    flipped[idat + 6] = flipped[idat + 6]! ^ 0xff;
    expect(problem(flipped)).toContain('damaged');
    // A header that claims more rows than the data holds.
    const taller = Buffer.from(good);
    taller.writeUInt32BE(9, 20);
    taller.writeUInt32BE(crc32(taller.subarray(12, 29)) >>> 0, 29);
    expect(problem(taller)).toContain('damaged');
    // No IEND: the file was cut short.
    expect(problem(good.subarray(0, good.length - 12))).toContain('damaged');
    expect(problem(good)).toBe('ok png');
  });

  test('refuses an SVG that multiplies copies of itself through many <use> elements', () => {
    const uses = (n: number) => svg(`<defs><g id="a"><rect width="1" height="1"/></g></defs>${'<use href="#a"/>'.repeat(n)}`);
    expect(problem(uses(20))).toBe('ok svg');
    expect(problem(uses(21))).toContain('more than 20 <use> elements');
  });
});
