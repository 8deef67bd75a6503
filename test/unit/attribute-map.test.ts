import { loadConfig } from '../../server/config';
import { attributeMapping, mapAttributes, OIDC_DEFAULTS, SAML_DEFAULTS } from '../../server/identity/attribute-map';
import { mappedRole } from '../../server/identity/sso-person';

const XMLSOAP = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

describe('mapAttributes', () => {
  test('OIDC standard claims, with the name made from given and family names when there is no name claim', () => {
    expect(mapAttributes({ sub: 'x', email: 'lena.brooks@riverside.example', given_name: 'Lena', family_name: 'Brooks', groups: ['g1', 'g2', 'g1'] }, OIDC_DEFAULTS))
      .toEqual({ email: 'lena.brooks@riverside.example', name: 'Lena Brooks', employeeId: null, departmentPath: null, jobTitle: null, managerRef: null, groups: ['g1', 'g2'] });
  });

  test('Entra SAML claim URIs and plain Okta attribute names, lists and numbers', () => {
    const entra = mapAttributes({
      [`${XMLSOAP}/emailaddress`]: ['priya.raman@riverside.example'], 'http://schemas.microsoft.com/identity/claims/displayname': 'Priya Raman',
      'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['5b1c0d2e-0000-4000-8000-000000000001'], employeeid: 2001,
    }, SAML_DEFAULTS);
    expect(entra).toMatchObject({ email: 'priya.raman@riverside.example', name: 'Priya Raman', employeeId: '2001', groups: ['5b1c0d2e-0000-4000-8000-000000000001'] });
    const okta = mapAttributes({ email: 'omar@riverside.example', firstName: 'Omar', lastName: 'Haddad', Department: 'Nursing/ICU', title: 'RN', groups: 'Charge Nurses' }, SAML_DEFAULTS);
    expect(okta).toMatchObject({ email: 'omar@riverside.example', name: 'Omar Haddad', departmentPath: 'Nursing/ICU', jobTitle: 'RN', groups: ['Charge Nurses'] });
  });

  test('configured names replace the defaults; a configured name attribute has no fallback; blanks and objects are "not sent"', () => {
    const mapping = attributeMapping('oidc', { email: ['upn', 'mail'], name: ['display'], department: ['org_unit'] });
    expect(mapAttributes({ email: 'ignored@x.example', mail: 'used@x.example', given_name: 'A', family_name: 'B', org_unit: '  ', department: 'Ignored' }, mapping))
      .toMatchObject({ email: 'used@x.example', name: null, departmentPath: null });
    expect(mapAttributes({ email: { value: 'x' }, name: [true, ''] }, OIDC_DEFAULTS)).toMatchObject({ email: null, name: null });
  });
});

describe('mappedRole', () => {
  const map = [{ group: 'Charge Nurses', role: 'manager' as const }, { group: 'Training Admins', role: 'admin' as const }];
  test('highest mapped role wins; admin only from an explicit entry; no map changes nothing', () => {
    expect(mappedRole('learner', ['charge nurses', 'TRAINING ADMINS'], map)).toBe('admin');
    expect(mappedRole('learner', ['Admins', 'admin'], map)).toBe('learner');
    expect(mappedRole('admin', ['Training Admins'], [])).toBe('admin');
    expect(mappedRole(undefined, ['Training Admins'], [])).toBe('learner');
  });
  test('leaving every mapped group removes a role the map grants, but not one it does not manage', () => {
    expect(mappedRole('manager', [], map)).toBe('learner');
    expect(mappedRole('auditor', [], map)).toBe('auditor');
  });
});

describe('SSO configuration', () => {
  const base = { NODE_ENV: 'test', DATA_DIR: '/tmp/pr-sso-config', SESSION_SECRET: 's'.repeat(40), AUDIT_KEY: 'a1'.repeat(32) };
  test('defaults: link by e-mail, no privileged linking, no JIT, SSO off without a protocol', () => {
    const c = loadConfig(base).sso;
    expect(c).toMatchObject({ enabled: false, buttons: [], linkBy: 'email', linkPrivileged: false, jit: false, roleMap: [], passwordOffRoles: [], breakGlass: [] });
  });
  test('values are parsed and bad ones refused with the variable named', () => {
    const c = loadConfig({ ...base, SAML_IDP_METADATA: '/etc/idp.xml', SSO_ROLE_MAP: 'Training Admins=Admin, Charge Nurses = manager', SSO_PASSWORD_ROLES: 'Learner,manager', SSO_BREAK_GLASS: 'Ada@X.example' }).sso;
    expect(c).toMatchObject({
      enabled: true, buttons: [{ protocol: 'saml', href: '/auth/saml/login' }], passwordOffRoles: ['learner', 'manager'], breakGlass: ['ada@x.example'],
      roleMap: [{ group: 'Training Admins', role: 'admin' }, { group: 'Charge Nurses', role: 'manager' }],
    });
    expect(() => loadConfig({ ...base, SSO_ROLE_MAP: 'Admins=superuser' })).toThrow(/SSO_ROLE_MAP: "Admins=superuser" is not group=role/);
    expect(() => loadConfig({ ...base, SSO_LINK_BY: 'name' })).toThrow(/SSO_LINK_BY: must be email, employee_id or none/);
    expect(() => loadConfig({ ...base, SSO_PASSWORD_ROLES: 'learner,boss' })).toThrow(/SSO_PASSWORD_ROLES: .*not: boss/);
    expect(() => loadConfig({ ...base, SSO_BREAK_GLASS: 'not-an-address' })).toThrow(/SSO_BREAK_GLASS/);
  });
});
