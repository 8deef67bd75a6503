import { CORE_ATTRIBUTES, CORE_USER, ENTERPRISE_ATTRIBUTES, ENTERPRISE_USER, isObject, PATCH_OP, READ_ONLY, scimFail, SUB_ATTRIBUTES } from './scim-schema-names';

// PATCH (RFC 7644 3.5.2) applied to the person's resource as JSON; the result is then read like a PUT
// body, so both run the same checks. Understands what Entra and Okta send: "Replace"/"Add" capitalised,
// `emails[type eq "work"].value`, `name.givenName`, enterprise attributes by their full URN, and a value
// object with no path (`{"active": false}`, `{"name.givenName": "Ann"}`). A path naming no attribute
// of the User schemas is refused (invalidPath) and nothing changes.

type Json = Record<string, unknown>;
interface Path { ext: boolean; attr?: string; filter?: { attr: string; value: unknown }; sub?: string }
type Op = 'add' | 'replace' | 'remove';

/** Operations per request; more is refused rather than worked through. */
export const PATCH_OPS_MAX = 100;

const PATH = /^([A-Za-z$][\w$]*)(?:\[\s*([A-Za-z]\w*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false)\s*\])?(?:\.([A-Za-z$][\w$]*))?$/i;

function canonicalSub(attr: string, sub: string, path: string): string {
  const found = (SUB_ATTRIBUTES[attr] ?? []).find((s) => s.toLowerCase() === sub.toLowerCase());
  return found ?? scimFail('invalid', 'invalidPath', `The path ${path} names no attribute of a User.`);
}

function parsePath(raw: string): Path {
  const path = raw.trim();
  const shown = path.slice(0, 200);
  let ext = false;
  let rest = path;
  for (const [urn, isExt] of [[ENTERPRISE_USER, true], [CORE_USER, false]] as const) {
    if (path.toLowerCase() === urn.toLowerCase()) return { ext: isExt };
    if (path.toLowerCase().startsWith(`${urn.toLowerCase()}:`)) {
      ext = isExt;
      rest = path.slice(urn.length + 1);
    }
  }
  const m = PATH.exec(rest);
  if (!m) scimFail('invalid', 'invalidPath', `The path ${shown} is not a SCIM attribute path.`);
  const attr = (ext ? ENTERPRISE_ATTRIBUTES : CORE_ATTRIBUTES).get(m[1]!.toLowerCase())
    ?? scimFail('invalid', 'invalidPath', `The path ${shown} names no attribute of a User.`);
  if (READ_ONLY.has(attr)) scimFail('invalid', 'mutability', `${attr} is read-only.`);
  const out: Path = { ext, attr };
  if (m[2]) {
    let value: unknown;
    try {
      value = JSON.parse(m[3]!);
    } catch {
      scimFail('invalid', 'invalidPath', `The filter in ${shown} is not valid.`);
    }
    out.filter = { attr: canonicalSub(attr, m[2], shown), value };
  }
  if (m[4]) out.sub = canonicalSub(attr, m[4], shown);
  return out;
}

const same = (a: unknown, b: unknown) => (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b);

/** The sub-attributes of a complex value that the schema knows; other keys (and "__proto__") are dropped. */
function known(attr: string, value: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = (SUB_ATTRIBUTES[attr] ?? []).find((s) => s.toLowerCase() === k.toLowerCase());
    if (sub) out[sub] = v;
  }
  return out;
}

function applyAt(doc: Json, op: Op, p: Path, value: unknown): void {
  const container: Json = p.ext ? ((isObject(doc[ENTERPRISE_USER]) ? doc[ENTERPRISE_USER] : (doc[ENTERPRISE_USER] = {})) as Json) : doc;
  if (!p.attr) {
    // The whole enterprise extension: each of its attributes in turn.
    if (op === 'remove') { delete doc[ENTERPRISE_USER]; return; }
    if (!isObject(value)) scimFail('invalid', 'invalidValue', 'The enterprise extension takes an object of its attributes.');
    for (const [k, v] of Object.entries(value)) applyAt(doc, op, parsePath(`${ENTERPRISE_USER}:${k}`), v);
    return;
  }
  const attr = p.attr;
  const current = container[attr];
  if (p.filter) {
    const list = current === undefined || current === null ? [] : Array.isArray(current) ? current as unknown[] : scimFail('invalid', 'invalidPath', `${attr} is not multi-valued.`);
    const f = p.filter;
    const hits = list.filter((el) => isObject(el) && same(el[f.attr], f.value)) as Json[];
    if (op === 'remove') {
      if (p.sub) for (const el of hits) delete el[p.sub];
      else container[attr] = list.filter((el) => !hits.includes(el as Json));
      return;
    }
    // Entra replaces emails[type eq "work"].value on a person who has no work e-mail yet: it is added.
    if (hits.length === 0) {
      list.push({ [f.attr]: f.value, ...(p.sub ? { [p.sub]: value } : isObject(value) ? known(attr, value) : { value }) });
      container[attr] = list;
      return;
    }
    for (const el of hits) {
      if (p.sub) el[p.sub] = value;
      else if (isObject(value)) Object.assign(el, known(attr, value));
      else scimFail('invalid', 'invalidValue', `${attr}[…] takes an object.`);
    }
    return;
  }
  if (p.sub) {
    if (Array.isArray(current)) scimFail('invalid', 'invalidPath', `Name one ${attr} value with a filter, like ${attr}[type eq "work"].${p.sub}.`);
    const base = isObject(current) ? current : {};
    if (op === 'remove') delete base[p.sub];
    else base[p.sub] = value;
    container[attr] = base;
    return;
  }
  if (op === 'remove') { delete container[attr]; return; }
  if (SUB_ATTRIBUTES[attr] && !Array.isArray(current) && isObject(value) && attr !== 'manager' && !['emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'entitlements', 'roles', 'x509Certificates'].includes(attr)) {
    // A complex attribute: the sub-attributes given replace theirs, the others stay (RFC 7644 3.5.2.3).
    container[attr] = { ...(isObject(current) ? current : {}), ...known(attr, value) };
    return;
  }
  if (op === 'add' && Array.isArray(current)) {
    container[attr] = [...current, ...(Array.isArray(value) ? value : [value])];
    return;
  }
  container[attr] = value;
}

/** The resource after the operations of a PatchOp body; throws (nothing applied) on any malformed operation. */
export function applyPatch(resource: Json, body: unknown): Json {
  if (!isObject(body)) scimFail('invalid', 'invalidSyntax', 'The body must be a PatchOp JSON object.');
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_OP)) scimFail('invalid', 'invalidSyntax', `A PATCH body names the schema ${PATCH_OP}.`);
  const ops = body.Operations ?? body.operations;
  if (!Array.isArray(ops) || ops.length === 0) scimFail('invalid', 'invalidSyntax', 'A PATCH body has a non-empty Operations list.');
  if (ops.length > PATCH_OPS_MAX) scimFail('invalid', 'tooMany', `At most ${PATCH_OPS_MAX} operations per request.`);
  const doc = structuredClone(resource);
  for (const raw of ops as unknown[]) {
    if (!isObject(raw)) scimFail('invalid', 'invalidSyntax', 'Each operation is an object with op, path and value.');
    const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') scimFail('invalid', 'invalidSyntax', 'op must be add, replace or remove.');
    if (raw.path !== undefined && typeof raw.path !== 'string') scimFail('invalid', 'invalidPath', 'path must be a string.');
    if (op !== 'remove' && raw.value === undefined) scimFail('invalid', 'invalidValue', `${op} needs a value.`);
    if (typeof raw.path === 'string' && raw.path.trim() !== '') {
      applyAt(doc, op, parsePath(raw.path), raw.value);
      continue;
    }
    if (op === 'remove') scimFail('invalid', 'noTarget', 'remove needs a path.');
    if (!isObject(raw.value)) scimFail('invalid', 'invalidValue', 'Without a path, the value is an object of attributes.');
    for (const [k, v] of Object.entries(raw.value)) applyAt(doc, op, parsePath(k), v);
  }
  return doc;
}
