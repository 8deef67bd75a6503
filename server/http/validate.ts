import type { z } from 'zod';

export type FormErrors = Record<string, string>;

/**
 * Validates a form body against a schema. Repeated fields arrive as arrays and unknown fields are
 * ignored, so the schema sees only the expected keys with string values; anything else is an error
 * message next to the field, never an exception.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown, fields: readonly string[]):
  { ok: true; data: z.output<S>; values: Record<string, string> } | { ok: false; errors: FormErrors; values: Record<string, string> } {
  const source = typeof body === 'object' && body !== null ? body as Record<string, unknown> : {};
  const values: Record<string, string> = {};
  const errors: FormErrors = {};
  for (const f of fields) {
    const v = Object.prototype.hasOwnProperty.call(source, f) ? source[f] : undefined;
    if (v === undefined) values[f] = '';
    else if (typeof v === 'string') values[f] = v;
    else {
      values[f] = '';
      errors[f] = 'Send this field once, as text.';
    }
  }
  const result = schema.safeParse(values);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? 'form');
      errors[key] ??= issue.message;
    }
  }
  if (Object.keys(errors).length > 0 || !result.success) return { ok: false, errors, values };
  return { ok: true, data: result.data, values };
}

/** A single query-string value, or undefined (arrays and objects from `?a=1&a=2` are ignored). */
export function queryString(value: unknown, max = 200): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= max ? trimmed : undefined;
}

/** A positive page number from the query string; 1 when missing or nonsense. */
export function pageNumber(value: unknown): number {
  const n = Number(queryString(value, 9));
  return Number.isInteger(n) && n >= 1 && n <= 1_000_000 ? n : 1;
}

/** A positive integer id from a path segment, or undefined (the route answers 404). */
export function idParam(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^[1-9]\d{0,14}$/.test(value)) return undefined;
  return Number(value);
}
