import { csrfSync } from 'csrf-sync';
import type { RequestHandler } from 'express';
import multer from 'multer';
import { HttpError } from './errors';

export const UPLOAD_MAX_BYTES = 5 * 1024 * 1024;

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req) => {
    const body: unknown = req.body;
    const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)._csrf : undefined;
    return typeof value === 'string' ? value : undefined;
  },
});

export { generateToken };

// Multipart bodies (CSV uploads) are parsed here, before the token check, so uploads are protected
// by the same synchroniser token as every other form: one file in "file", small text fields only.
const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: UPLOAD_MAX_BYTES, files: 1, fields: 20, fieldSize: 100 * 1024, parts: 25 },
}).single('file');

export const parseMultipart: RequestHandler = (req, res, next) => {
  if (!req.is('multipart/form-data')) return next();
  upload(req, res, (err?: unknown) => {
    if (!err || err instanceof multer.MulterError) return next(err);
    // busboy's own errors (truncated or malformed multipart) are the sender's fault, not ours.
    next(new HttpError(400, 'The upload could not be read. Choose the file again and resend the form.'));
  });
};

export const csrfProtection: RequestHandler = csrfSynchronisedProtection;
