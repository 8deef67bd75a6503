import { RuleError } from '../../server/errors';
import { parseUserFilter } from '../../server/identity/scim-filter';
import { applyPatch } from '../../server/identity/scim-patch';
import { readResource } from '../../server/identity/scim-resource';

// The PATCH forms Entra and Okta send, applied to a User as JSON, and the filters they look people up by.

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const base = () => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: '7', userName: 'sam@riverside.example', active: true,
  name: { formatted: 'Sam Park', givenName: 'Sam', familyName: 'Park' },
  emails: [{ value: 'sam@riverside.example', type: 'work', primary: true }, { value: 'sam@home.example', type: 'home' }],
  [ENT]: { department: 'Nursing', employeeNumber: 'E1' },
});
const patch = (ops: unknown[]) => applyPatch(base(), { schemas: [PATCH_OP], Operations: ops });
const scimTypeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof RuleError ? e.problems?.scimType : 'not a rule error';
  }
  return 'accepted';
};

describe('applyPatch', () => {
  test('a filtered path replaces only the matching value; the resource given is not changed', () => {
    const doc = base();
    const out = applyPatch(doc, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'sp@riverside.example' }] });
    expect(out.emails).toEqual([{ value: 'sp@riverside.example', type: 'work', primary: true }, { value: 'sam@home.example', type: 'home' }]);
    expect(doc.emails[0]!.value).toBe('sam@riverside.example');
  });

  test('remove with a filter drops the matching value; a filter matching nothing on add creates it', () => {
    expect(patch([{ op: 'remove', path: 'emails[type eq "home"]' }]).emails).toEqual([{ value: 'sam@riverside.example', type: 'work', primary: true }]);
    expect(patch([{ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0101' }]).phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0101' }]);
  });

  test('a complex value without a path merges its sub-attributes; a dotted key names one; the enterprise URN as a key takes an object', () => {
    expect(patch([{ op: 'replace', value: { name: { givenName: 'Samuel' } } }]).name).toEqual({ formatted: 'Sam Park', givenName: 'Samuel', familyName: 'Park' });
    expect(patch([{ op: 'Replace', value: { 'name.familyName': 'Park-Lee', active: false } }])).toMatchObject({ name: { familyName: 'Park-Lee' }, active: false });
    expect(patch([{ op: 'Add', value: { [ENT]: { department: 'Pharmacy' } } }])[ENT]).toEqual({ department: 'Pharmacy', employeeNumber: 'E1' });
    expect(patch([{ op: 'Add', value: { [`${ENT}:manager`]: '12' } }])[ENT]).toMatchObject({ manager: '12' });
    expect(readResource(patch([{ op: 'Add', path: `${ENT}:manager`, value: [{ value: '12' }] }])).managerId).toBe(12);
  });

  test('attribute names and ops are matched without case; unknown sub-attribute keys in a value are dropped', () => {
    const out = patch([{ op: 'REPLACE', path: 'NAME.GIVENNAME', value: 'Sammy' }, { op: 'add', path: 'emails[TYPE eq "WORK"]', value: { value: 'w@riverside.example', __proto__x: 1, evil: 2 } }]);
    expect(out.name).toMatchObject({ givenName: 'Sammy' });
    expect((out.emails as unknown[])[0]).toEqual({ value: 'w@riverside.example', type: 'work', primary: true });
  });

  test('refusals name their SCIM error type', () => {
    expect(scimTypeOf(() => patch([{ op: 'replace', path: 'emails.value', value: 'x' }]))).toBe('invalidPath');
    expect(scimTypeOf(() => patch([{ op: 'replace', path: 'meta.created', value: 'x' }]))).toBe('mutability');
    expect(scimTypeOf(() => patch([{ op: 'replace', path: 'emails[type eq work].value', value: 'x' }]))).toBe('invalidPath');
    expect(scimTypeOf(() => patch([{ op: 'replace', path: 'title' }]))).toBe('invalidValue');
    expect(scimTypeOf(() => applyPatch(base(), { Operations: [] }))).toBe('invalidSyntax');
  });
});

describe('readResource', () => {
  test('after a PATCH of one name part, the full name is made from the parts; a new formatted name wins', () => {
    const saved = { name: 'Sam Park', given_name: 'Sam', family_name: 'Park' };
    expect(readResource({ ...base(), name: { formatted: 'Sam Park', givenName: 'Sam', familyName: 'Park-Lee' } }, saved).name).toBe('Sam Park-Lee');
    expect(readResource({ ...base(), name: { formatted: 'Dr Sam Park', givenName: 'Sam', familyName: 'Park' } }, saved).name).toBe('Dr Sam Park');
    expect(readResource({ userName: 'x@riverside.example', displayName: 'Xu Lin' }).name).toBe('Xu Lin');
    // A person imported from CSV has no name parts: a changed displayName is their new name, the same one changes nothing.
    const imported = { name: 'Nia Brooks', given_name: null, family_name: null };
    expect(readResource({ userName: 'n@riverside.example', name: { formatted: 'Nia Brooks' }, displayName: 'Nia Brooks-Hale' }, imported).name).toBe('Nia Brooks-Hale');
    expect(readResource({ userName: 'n@riverside.example', name: { formatted: 'Nia Brooks' }, displayName: 'Nia Brooks' }, imported).name).toBe('Nia Brooks');
  });

  test('the primary work e-mail is chosen; with none, a userName that is an address', () => {
    expect(readResource({ userName: 'u', emails: [{ value: 'h@home.example', type: 'home', primary: true }, { value: 'w@riverside.example', type: 'work' }] }).email).toBe('w@riverside.example');
    expect(readResource({ userName: 'u@riverside.example' }).email).toBe('u@riverside.example');
  });
});

describe('parseUserFilter', () => {
  test('the lookups providers send, with escaped quotes; no filter is undefined', () => {
    expect(parseUserFilter('userName eq "a\\"b@riverside.example"')).toEqual({ by: 'userName', value: 'a"b@riverside.example' });
    expect(parseUserFilter('emails[type eq "work"].value eq "w@riverside.example"')).toEqual({ by: 'email', value: 'w@riverside.example' });
    expect(parseUserFilter('EXTERNALID EQ "abc"')).toEqual({ by: 'externalId', value: 'abc' });
    expect(parseUserFilter(undefined)).toBeUndefined();
    expect(parseUserFilter('  ')).toBeUndefined();
  });

  test('anything else is invalidFilter', () => {
    for (const f of ['userName sw "a"', 'userName eq a', 'userName eq "a" and active eq true', 'name.givenName eq "a"', `userName eq "${'x'.repeat(1001)}"`, 'userName eq "\\u12"']) {
      expect([f.slice(0, 40), scimTypeOf(() => parseUserFilter(f))]).toEqual([f.slice(0, 40), 'invalidFilter']);
    }
  });
});
