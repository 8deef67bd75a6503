import { z } from 'zod';
import { decodeUtf8 } from '../csv';

const TEXT_MAX = 5 * 1024 * 1024;

/**
 * The CSV upload forms' fields: `file` is the multipart file part (multer puts it on req.file, not in
 * the body) and `csv` the pasted text; csvFromRequest reads both and says what is wrong in one sentence.
 */
export const csvUploadForm = z.object({ file: z.unknown(), csv: z.unknown() });

/** The uploaded file, or the pasted text; never both. Invalid UTF-8 is refused rather than guessed at. */
export function csvFromRequest(file: Express.Multer.File | undefined, body: unknown): { text: string; source: string } | { error: string } {
  const pasted = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).csv : undefined;
  if (file && file.size > 0) {
    const text = decodeUtf8(file.buffer);
    if (text === undefined) return { error: 'The file is not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8" and try again.' };
    return { text, source: `upload: ${file.originalname.slice(0, 200)}` };
  }
  if (typeof pasted === 'string' && pasted.trim()) {
    if (pasted.length > TEXT_MAX) return { error: 'The pasted text is too large.' };
    return { text: pasted, source: 'pasted text' };
  }
  return { error: 'Choose a CSV file to upload, or paste the CSV text.' };
}
