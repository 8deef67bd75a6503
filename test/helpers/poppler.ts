import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// Reads PDFs back with Debian's poppler-utils (installed by scripts/ensure-poppler.sh, which jest's
// globalSetup runs): pdftotext for the text and where each line sits, pdffonts for the fonts.

const run = promisify(execFile);

async function withFile<T>(pdf: Buffer, use: (file: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppler-'));
  const file = path.join(dir, 'doc.pdf');
  fs.writeFileSync(file, pdf);
  try {
    return await use(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface Box { xMin: number; yMin: number; xMax: number; yMax: number }
export interface TextLine extends Box { page: number; text: string }

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const box = (attrs: string): Box => {
  const n = (k: string) => Number(new RegExp(`${k}="([-\\d.]+)"`).exec(attrs)![1]);
  return { xMin: n('xMin'), yMin: n('yMin'), xMax: n('xMax'), yMax: n('yMax') };
};

/** Every text line poppler finds (pdftotext -bbox-layout), with its box in points from the page's top left. */
export async function textLines(pdf: Buffer): Promise<TextLine[]> {
  const { stdout } = await withFile(pdf, (f) => run('pdftotext', ['-bbox-layout', '-enc', 'UTF-8', f, '-'], { maxBuffer: 64 * 1024 * 1024 }));
  const lines: TextLine[] = [];
  stdout.split(/<page /).slice(1).forEach((page, p) => {
    for (const m of page.matchAll(/<line ([^>]*)>([\s\S]*?)<\/line>/g)) {
      const words = [...m[2]!.matchAll(/<word [^>]*>([\s\S]*?)<\/word>/g)].map((w) => unescape(w[1]!));
      lines.push({ page: p + 1, ...box(m[1]!), text: words.join(' ') });
    }
  });
  return lines;
}

/** Whether two boxes share any area (touching edges do not count). */
export function overlap(a: Box, b: Box): boolean {
  const eps = 0.01;
  return a.xMin < b.xMax - eps && b.xMin < a.xMax - eps && a.yMin < b.yMax - eps && b.yMin < a.yMax - eps;
}

/** The text in reading order (pdftotext), pages separated by form feeds, without the bidi marks poppler wraps right-to-left lines in. */
export async function plainText(pdf: Buffer): Promise<string> {
  const { stdout } = await withFile(pdf, (f) => run('pdftotext', ['-enc', 'UTF-8', f, '-'], { maxBuffer: 64 * 1024 * 1024 }));
  return stdout.replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
}

export interface FontRow { name: string; type: string; embedded: boolean }

/** The fonts a PDF uses (pdffonts). */
export async function fontsOf(pdf: Buffer): Promise<FontRow[]> {
  const { stdout } = await withFile(pdf, (f) => run('pdffonts', [f]));
  return stdout.split('\n').slice(2).filter((l) => l.trim()).map((l) => {
    // Columns: name, type (may contain spaces), encoding, emb, sub, uni, object ID.
    const m = /^(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/.exec(l);
    if (!m) throw new Error(`pdffonts printed a line this helper does not understand: ${l}`);
    return { name: m[1]!, type: m[2]!, embedded: m[4] === 'yes' };
  });
}

/** How many pages the PDF has, and which of them carry no text at all. */
export async function emptyPages(pdf: Buffer): Promise<{ pages: number; empty: number[] }> {
  const lines = await textLines(pdf);
  const { stdout } = await withFile(pdf, (f) => run('pdfinfo', [f]));
  const pages = Number(/Pages:\s+(\d+)/.exec(stdout)![1]);
  const empty = Array.from({ length: pages }, (_, i) => i + 1).filter((p) => !lines.some((l) => l.page === p));
  return { pages, empty };
}
