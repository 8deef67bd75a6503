import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import request from 'supertest';
import type { Express } from 'express';
import type { TestApp } from './app';

// SCIM over real HTTP, and every answer checked against the JSON Schemas written from RFC 7643/7644
// (test/fixtures/scim). A request helper never hides a status: each test asserts its own.

const SCHEMA_DIR = path.join(__dirname, '..', 'fixtures', 'scim');
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const load = (file: string): ValidateFunction => ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as object);

export const validators = {
  user: load('user.schema.json'),
  list: load('list-response.schema.json'),
  error: load('error.schema.json'),
  serviceProviderConfig: load('service-provider-config.schema.json'),
  resourceType: load('resource-type.schema.json'),
  schema: load('schema.schema.json'),
};

export type ScimKind = keyof typeof validators;
export type Json = Record<string, unknown>;

/** Throws with ajv's messages when the body does not match the schema; list answers check each resource too. */
export function assertScim(kind: ScimKind, body: unknown, resources?: ScimKind): void {
  const v = validators[kind];
  if (!v(body)) throw new Error(`${kind} answer does not match RFC 7643/7644: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body, null, 2)}`);
  if (resources) for (const r of ((body as Json).Resources as unknown[]) ?? []) assertScim(resources, r);
}

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimAnswer { status: number; body: Json; type: string }

/** A SCIM client with one bearer token, as Entra or Okta sends: JSON bodies typed application/scim+json. */
export function scimClient(app: Express, token: string) {
  const send = async (method: 'get' | 'post' | 'put' | 'patch' | 'delete', url: string, body?: unknown): Promise<ScimAnswer> => {
    let r = request(app)[method](`/scim/v2${url}`).set('Authorization', `Bearer ${token}`).set('Accept', 'application/scim+json');
    if (body !== undefined) r = r.set('Content-Type', 'application/scim+json; charset=utf-8').send(JSON.stringify(body));
    const res = await r;
    const text = res.text ?? '';
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json, type: String(res.headers['content-type'] ?? '') };
  };
  return {
    get: (url: string) => send('get', url),
    post: (url: string, body: unknown) => send('post', url, body),
    put: (url: string, body: unknown) => send('put', url, body),
    patch: (url: string, ops: unknown[]) => send('patch', url, { schemas: [PATCH_OP], Operations: ops }),
    delete: (url: string) => send('delete', url),
    raw: send,
  };
}

/** A token made through the same service as the CLI. */
export async function scimToken(t: TestApp, name: string): Promise<{ id: number; token: string }> {
  return t.services.scimTokens.create({ id: null, label: 'cli' }, name);
}

/** The audit events about a person, oldest first, as action and actor. */
export async function auditOf(t: TestApp, userId: number): Promise<{ action: string; actor: string; details: Json }[]> {
  const rows = await t.db.selectFrom('audit_events').select(['action', 'actor_label', 'details']).where('subject_type', '=', 'user').where('subject_id', '=', String(userId)).orderBy('id').execute();
  return rows.map((r) => ({ action: r.action, actor: r.actor_label, details: JSON.parse(r.details) as Json }));
}

export const filterUrl = (filter: string) => `/Users?filter=${encodeURIComponent(filter)}`;
