import { scimFail } from './scim-schema-names';

// The filters provisioning clients send (RFC 7644 3.4.2.2), and only those: Entra and Okta look a
// person up by one attribute before creating them. Anything else is refused with invalidFilter rather
// than half-understood: a filter read wrongly would match the wrong person and update them.

export type UserFilter =
  | { by: 'userName' | 'externalId' | 'email' | 'id'; value: string }
  | undefined;

/** Longer filters are refused before parsing: no lookup needs more than one attribute and one value. */
export const FILTER_MAX = 1000;

const FORMS: { re: RegExp; by: Exclude<UserFilter, undefined>['by'] }[] = [
  { re: /^username$/i, by: 'userName' },
  { re: /^externalid$/i, by: 'externalId' },
  { re: /^id$/i, by: 'id' },
  { re: /^emails(\[\s*type\s+eq\s+"work"\s*\])?\.value$/i, by: 'email' },
  { re: /^emails$/i, by: 'email' },
];

/** `userName eq "x"`, `externalId eq "x"`, `emails[type eq "work"].value eq "x"`, `id eq "x"`; undefined for no filter. */
export function parseUserFilter(raw: string | undefined): UserFilter {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (raw.length > FILTER_MAX) scimFail('invalid', 'invalidFilter', `The filter is longer than ${FILTER_MAX} characters.`);
  const m = /^\s*([A-Za-z][\w.:-]*(?:\[[^\]]*\])?(?:\.[A-Za-z]\w*)?)\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i.exec(raw);
  if (!m) scimFail('invalid', 'invalidFilter', 'Only one comparison is supported: userName, externalId, id or emails[type eq "work"].value, with eq and a quoted value.');
  const form = FORMS.find((f) => f.re.test(m[1]!));
  if (!form) scimFail('invalid', 'invalidFilter', `Filtering by ${m[1]!.slice(0, 100)} is not supported: use userName, externalId, id or emails[type eq "work"].value.`);
  let value: unknown;
  try {
    value = JSON.parse(m[2]!);
  } catch {
    scimFail('invalid', 'invalidFilter', 'The filter value is not a valid quoted string.');
  }
  return { by: form.by, value: String(value) };
}
