import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Standard output unless a destination is given (tests read back what the app logged). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    // Belt and braces: these never belong in a log even if someone logs a whole request.
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'password', '*.password', '_csrf', '*._csrf', 'token', '*.token'],
      censor: '[redacted]',
    },
  }, destination);
}

// One-time tokens travel in the path (/setup/<token>, /password/<token>), and so do certificate codes
// (/verify/<code>: a code plus the verify page names a person and their training); keep them out of
// logs. Routing ignores case, so the redaction does too. The query string (?code=…) is never logged.
const SECRET_PATH = /^\/(setup|password|verify)\/[^/?#]+/i;

function redactPath(url: string): string {
  const pathOnly = url.split('?')[0] ?? '';
  return pathOnly.replace(SECRET_PATH, '/$1/[redacted]');
}

const INCOMING_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives every request an id (kept from X-Request-Id when sane), echoes it, and logs one line per response. */
export function requestLogger(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const reqId = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    res.locals.reqId = reqId;
    res.setHeader('X-Request-Id', reqId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ reqId, method: req.method, path: redactPath(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
