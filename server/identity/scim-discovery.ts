import { CORE_USER, ENTERPRISE_USER, GROUP, LIST_RESPONSE } from './scim-schema-names';
import { SCIM_MAX_RESULTS } from './scim-service';
import { PATCH_OPS_MAX } from './scim-patch';

// The discovery documents of RFC 7644 section 4 (ServiceProviderConfig, ResourceTypes, Schemas), saying
// what this server does: PATCH yes; bulk, sort, ETags, password changes no; filter on the lookup
// attributes only. The schemas describe the attributes that are kept.

type Json = Record<string, unknown>;

interface Attr { name: string; type?: string; multiValued?: boolean; required?: boolean; mutability?: string; uniqueness?: string; subAttributes?: Attr[]; description: string }

const attr = (a: Attr): Json => ({
  name: a.name, type: a.type ?? 'string', multiValued: a.multiValued ?? false, description: a.description, required: a.required ?? false,
  caseExact: false, mutability: a.mutability ?? 'readWrite', returned: 'default', uniqueness: a.uniqueness ?? 'none',
  ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attr) } : {}),
});

const USER_ATTRIBUTES: Attr[] = [
  { name: 'userName', required: true, uniqueness: 'server', description: 'The provider\'s unique name for the person; matched without case.' },
  { name: 'name', type: 'complex', description: 'The person\'s name; the full name is formatted, or the given and family names.', subAttributes: [
    { name: 'formatted', description: 'The full name as shown on certificates and reports.' },
    { name: 'familyName', description: 'Family name.' },
    { name: 'givenName', description: 'Given name.' },
  ] },
  { name: 'displayName', description: 'The full name (read back as the formatted name).' },
  { name: 'title', description: 'Job title.' },
  { name: 'active', type: 'boolean', description: 'false deactivates the person (their training records are kept); true reactivates.' },
  { name: 'emails', type: 'complex', multiValued: true, required: true, description: 'The work e-mail address; one is kept.', subAttributes: [
    { name: 'value', description: 'E-mail address.' }, { name: 'type', description: 'work' }, { name: 'primary', type: 'boolean', description: 'Primary address.' },
  ] },
];

const ENTERPRISE_ATTRIBUTES: Attr[] = [
  { name: 'employeeNumber', description: 'Employee ID (letters, digits, ".", "_" and "-").' },
  { name: 'department', description: 'Department path, levels separated by "/" (Nursing/ICU); missing departments are created.' },
  { name: 'manager', type: 'complex', description: 'The person\'s manager, by the id this server gave them.', subAttributes: [
    { name: 'value', description: 'The manager\'s id.' }, { name: 'displayName', mutability: 'readOnly', description: 'The manager\'s name.' },
  ] },
];

const schema = (baseUrl: string, id: string, name: string, description: string, attributes: Attr[]): Json => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
  id, name, description, attributes: attributes.map(attr), meta: { resourceType: 'Schema', location: `${baseUrl}/scim/v2/Schemas/${id}` },
});

export function schemas(baseUrl: string): Json[] {
  return [
    schema(baseUrl, CORE_USER, 'User', 'A member of staff who takes training.', USER_ATTRIBUTES),
    schema(baseUrl, ENTERPRISE_USER, 'EnterpriseUser', 'The employee number, department and manager.', ENTERPRISE_ATTRIBUTES),
    schema(baseUrl, GROUP, 'Group', 'Not provisioned: departments come from the enterprise department attribute.', [{ name: 'displayName', required: true, description: 'Group name.' }]),
  ];
}

export function resourceTypes(baseUrl: string): Json[] {
  return [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users', description: 'Staff who take training.',
      schema: CORE_USER, schemaExtensions: [{ schema: ENTERPRISE_USER, required: false }], meta: { resourceType: 'ResourceType', location: `${baseUrl}/scim/v2/ResourceTypes/User` } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Always empty: departments come from the enterprise department attribute.',
      schema: GROUP, meta: { resourceType: 'ResourceType', location: `${baseUrl}/scim/v2/ResourceTypes/Group` } },
  ];
}

export function serviceProviderConfig(baseUrl: string): Json {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'Bearer token', description: `A token made with npm run cli -- scim:token create; at most ${PATCH_OPS_MAX} PATCH operations per request.`, primary: true }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/scim/v2/ServiceProviderConfig` },
  };
}

export const listOf = (resources: Json[]): Json => ({ schemas: [LIST_RESPONSE], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources });
