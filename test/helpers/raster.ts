import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';

const run = promisify(execFile);

/** A PNG of one solid colour, encoded here (signature, IHDR, IDAT, IEND): a real file for pdfkit to read. */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** The colour of the first page at (x, y) points, rendered by poppler's pdftoppm at 72 dpi (one pixel a point). */
export async function pixelAt(pdf: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raster-'));
  try {
    fs.writeFileSync(path.join(dir, 'doc.pdf'), pdf);
    await run('pdftoppm', ['-r', '72', '-f', '1', '-l', '1', '-singlefile', path.join(dir, 'doc.pdf'), path.join(dir, 'page')]);
    const ppm = fs.readFileSync(path.join(dir, 'page.ppm'));
    // P6 header: "P6\n<width> <height>\n255\n", then RGB bytes.
    const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 32).toString('latin1'))!;
    const width = Number(header[1]);
    const at = header[0].length + (Math.round(y) * width + Math.round(x)) * 3;
    return [ppm[at]!, ppm[at + 1]!, ppm[at + 2]!];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
