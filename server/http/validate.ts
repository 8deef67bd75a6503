import { z } from 'zod';

export type FormErrors = Record<string, string>;

/** A form's or query's schema: an object schema, whose shape names the fields it reads. */
export type FormSchema = z.ZodObject;

/** Every field of a form as sent (text, or '' when missing or not text), to show the form again. */
export type FormValues<S extends FormSchema> = Record<Extract<keyof S['shape'], string>, string>;

/**
 * A routes file's request schemas, keyed as Express registers the route ("POST /admin/users/:id"):
 * the form body for a POST, the query string for a GET. Collected in server/request-schemas.ts.
 */
export type RequestSchemas = Readonly<Record<`${'GET' | 'POST'} /${string}`, z.ZodType>>;

/** A route that reads no form fields or query values (its path parameters are read with idParam). */
export const NO_FIELDS = z.object({});

/**
 * Fields whose schema takes the value as it arrived (a string, a repeated field's array, or nothing)
 * instead of the usual "text, once": the route reads them leniently on purpose (a sign-in `next` that
 * quietly becomes the dashboard, a tick box whose only accepted value is "yes"). Marked by identity,
 * so a schema says it in one word where the field is declared.
 */
const rawFields = new WeakSet<z.ZodType>();

/** Marks a field's schema as taking the raw value (see rawFields). */
export function rawFormValue<S extends z.ZodType>(schema: S): S {
  rawFields.add(schema);
  return schema;
}

/** The field names a form schema reads, in declaration order. */
export function fieldsOf(schema: FormSchema): string[] {
  return Object.keys(schema.shape);
}

/**
 * Validates a form body against a schema; the fields are the schema's keys. Repeated fields arrive as
 * arrays and unknown fields are ignored, so the schema sees only the expected keys with string values
 * (or, for a rawFormValue field, the value as sent); anything else is an error message next to the
 * field, never an exception.
 */
export function parseForm<S extends FormSchema>(schema: S, body: unknown):
  { ok: true; data: z.output<S>; values: FormValues<S> } | { ok: false; errors: FormErrors; values: FormValues<S> } {
  const source = typeof body === 'object' && body !== null ? body as Record<string, unknown> : {};
  const shape = schema.shape as Record<string, z.ZodType>;
  const input: Record<string, unknown> = {};
  const values: Record<string, string> = {};
  const errors: FormErrors = {};
  for (const f of Object.keys(shape)) {
    const v = Object.prototype.hasOwnProperty.call(source, f) ? source[f] : undefined;
    values[f] = typeof v === 'string' ? v : '';
    if (rawFields.has(shape[f]!)) input[f] = v;
    else if (v === undefined || typeof v === 'string') input[f] = values[f];
    else {
      input[f] = '';
      errors[f] = 'Send this field once, as text.';
    }
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? 'form');
      errors[key] ??= issue.message;
    }
  }
  const typed = values as FormValues<S>;
  if (Object.keys(errors).length > 0 || !result.success) return { ok: false, errors, values: typed };
  return { ok: true, data: result.data, values: typed };
}

/**
 * Reads a query string through its schema, never throwing. Most query schemas fall back to a default
 * for a value they cannot use (their fields never fail); the ones that refuse instead (report filters)
 * get every message joined into one sentence, for a 400 page.
 */
export function parseQuery<S extends FormSchema>(schema: S, query: unknown):
  { ok: true; data: z.output<S> } | { ok: false; message: string } {
  const source = typeof query === 'object' && query !== null ? query as Record<string, unknown> : {};
  // Every key the schema knows is passed, present or not, so each field's own default applies; keys
  // on the prototype (`?constructor=x` on a plain object) are never read.
  const input: Record<string, unknown> = {};
  for (const k of Object.keys(schema.shape)) input[k] = Object.prototype.hasOwnProperty.call(source, k) ? source[k] : undefined;
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, message: result.error.issues.map((i) => i.message).join(' ') };
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

/** A query value read by a function that never fails: a value it cannot use becomes its default. */
export const queryValue = <T>(read: (raw: unknown) => T) => z.unknown().transform(read);
/** Trimmed text up to `max` characters, or undefined (see queryString). */
export const queryText = (max = 200) => queryValue((v) => queryString(v, max));
/** A page number; 1 when missing or nonsense. */
export const queryPage = queryValue(pageNumber);
/** A positive integer id typed into a filter (surrounding spaces allowed), or undefined. */
export const queryId = queryValue((v) => idParam(queryString(v)));
