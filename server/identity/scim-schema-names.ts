import { fail } from '../errors';

// SCIM 2.0 names (RFC 7643, RFC 7644) and the one way its refusals are raised: a RuleError whose
// problems carry the SCIM error type, which the SCIM routes turn into the error body of RFC 7644 3.12.

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue';

/** Refuses a SCIM request: code as every service uses it, plus the SCIM error type for the body. */
export function scimFail(code: 'invalid' | 'conflict', scimType: ScimType, message: string): never {
  fail(code, message, { scimType });
}

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Core User attributes (RFC 7643 4.1), lower case → as written. Known ones we do not keep are accepted and dropped. */
export const CORE_ATTRIBUTES = new Map(['id', 'externalId', 'meta', 'schemas', 'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title',
  'userType', 'preferredLanguage', 'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups',
  'entitlements', 'roles', 'x509Certificates'].map((a) => [a.toLowerCase(), a]));
/** Enterprise User attributes (RFC 7643 4.3). */
export const ENTERPRISE_ATTRIBUTES = new Map(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'].map((a) => [a.toLowerCase(), a]));
/** Attributes a client may not write (RFC 7643: mutability readOnly). */
export const READ_ONLY = new Set(['id', 'meta', 'groups']);
/** Sub-attributes of the complex attributes a path may name (RFC 7643 4.1.1, 4.1.2, 4.3). */
export const SUB_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  name: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'],
  emails: ['value', 'display', 'type', 'primary'],
  phoneNumbers: ['value', 'display', 'type', 'primary'],
  ims: ['value', 'display', 'type', 'primary'],
  photos: ['value', 'display', 'type', 'primary'],
  addresses: ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type', 'primary'],
  entitlements: ['value', 'display', 'type', 'primary'],
  roles: ['value', 'display', 'type', 'primary'],
  x509Certificates: ['value', 'display', 'type', 'primary'],
  manager: ['value', '$ref', 'displayName'],
};
