import { z } from 'zod';
import { fieldsOf } from '../../../server/http/validate';
import { REQUEST_SCHEMAS } from '../../../server/request-schemas';
import type { Spec } from './types';

/** A spec as written in specs-*.ts: the form's fields come from the route's request schema unless it names them itself. */
export type SpecInput = Omit<Spec, 'fields'> & { fields?: Spec['fields'] };

/** The fields a POST route's form sends, read from its request schema in server/request-schemas.ts. */
export function schemaFields(route: string): string[] {
  const schema = REQUEST_SCHEMAS[route as keyof typeof REQUEST_SCHEMAS];
  if (!(schema instanceof z.ZodObject)) throw new Error(`${route}: no object schema in server/request-schemas.ts to take the form's fields from`);
  return fieldsOf(schema);
}

/**
 * Fills in each spec's fields from the registry. Only a form whose field names come from course
 * content (the quiz: one `q_<question id>` per question) names its own, and forms-coverage.test.ts
 * checks those against its schema's key pattern.
 */
export function withSchemaFields(specs: Record<string, SpecInput>): Record<string, Spec> {
  return Object.fromEntries(Object.entries(specs).map(([route, spec]) => [route, { ...spec, fields: spec.fields ?? (() => schemaFields(route)) }]));
}
