import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

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
