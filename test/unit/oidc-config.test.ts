import { ConfigError, loadConfig } from '../../server/config';
import { oidcConfigFrom } from '../../server/identity/oidc-config';
import { classifyOidcError } from '../../server/identity/oidc-errors';
import { attributeMapping } from '../../server/identity/attribute-map';
import { emailVerified, oidcProfile } from '../../server/identity/oidc-profile';

const BASE = { OIDC_ISSUER_URL: 'https://login.microsoftonline.com/7d9c3e52-1b0a-4f3e-9a47-2c5e8b1d6f40/v2.0', OIDC_CLIENT_ID: 'app-1' };

describe('OIDC settings', () => {
  test('off when no OIDC_ setting is given', () => {
    expect(oidcConfigFrom({})).toEqual({ problems: [] });
  });

  test('defaults: openid email profile, RS256/ES256/PS256, provider logout, https only', () => {
    const c = oidcConfigFrom(BASE).config!;
    expect(c.scopes).toBe('openid email profile');
    expect(c.algorithms).toEqual(['RS256', 'ES256', 'PS256']);
    expect(c.logout).toBe('provider');
    expect(c.allowHttp).toBe(false);
  });

  test('openid is always asked for', () => {
    expect(oidcConfigFrom({ ...BASE, OIDC_SCOPES: 'email, profile' }).config!.scopes).toBe('openid email profile');
  });

  test.each([
    [{ OIDC_ISSUER_URL: BASE.OIDC_ISSUER_URL }, /OIDC_CLIENT_ID: .*set together/],
    [{ OIDC_CLIENT_SECRET: 'x' }, /OIDC_ISSUER_URL: set OIDC_ISSUER_URL and OIDC_CLIENT_ID/],
    [{ ...BASE, OIDC_ISSUER_URL: 'http://idp.riverside.example' }, /must start with https/],
    [{ ...BASE, OIDC_ISSUER_URL: 'not a url' }, /issuer address/],
    [{ ...BASE, OIDC_ID_TOKEN_ALGS: 'RS256,none' }, /never accepted.*none/],
    [{ ...BASE, OIDC_ID_TOKEN_ALGS: 'HS256' }, /HS256/],
    [{ ...BASE, OIDC_TENANT_IDS: 'riverside' }, /OIDC_TENANT_IDS: .*GUID/],
    [{ ...BASE, OIDC_LOGOUT: 'sometimes' }, /OIDC_LOGOUT: must be provider or local/],
  ])('refuses %j', (env, problem) => {
    const r = oidcConfigFrom(env);
    expect(r.config).toBeUndefined();
    expect(r.problems.join('\n')).toMatch(problem);
  });

  test('plain http only for a provider on this machine', () => {
    expect(oidcConfigFrom({ ...BASE, OIDC_ISSUER_URL: 'http://127.0.0.1:8080' }).config!.allowHttp).toBe(true);
    expect(oidcConfigFrom({ ...BASE, OIDC_ISSUER_URL: 'http://localhost:8080/realms/x' }).config!.allowHttp).toBe(true);
  });

  test('loadConfig stops start-up with the OIDC problem, and carries the settings when they are right', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 's'.repeat(40), AUDIT_KEY: 'a1'.repeat(32), OIDC_ISSUER_URL: 'https://idp.example' }))
      .toThrow(ConfigError);
    const c = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 's'.repeat(40), AUDIT_KEY: 'a1'.repeat(32), ...BASE, OIDC_TENANT_IDS: '7D9C3E52-1B0A-4F3E-9A47-2C5E8B1D6F40' });
    expect(c.oidc?.tenantIds).toEqual(['7d9c3e52-1b0a-4f3e-9a47-2c5e8b1d6f40']);
  });
});

describe('OIDC claims to a profile', () => {
  test('only email_verified: true (or Entra\'s xms_edov: true) vouches for the e-mail', () => {
    expect(emailVerified({ email_verified: true })).toBe(true);
    expect(emailVerified({ xms_edov: true })).toBe(true);
    expect(emailVerified({ email_verified: 'true' })).toBe(false);
    expect(emailVerified({})).toBe(false);
  });

  test('issuer and subject come from the checked token; the rest from the standard claims', () => {
    const claims = { iss: 'https://evil.example', sub: 'other', email: 'dana.reyes@riverside.example', email_verified: true, given_name: 'Dana', family_name: 'Reyes', groups: ['nurses'] };
    const p = oidcProfile({ issuer: 'https://idp.example', subject: 'abc', claims }, attributeMapping('oidc', {}));
    expect(p).toMatchObject({ protocol: 'oidc', issuer: 'https://idp.example', subject: 'abc', email: 'dana.reyes@riverside.example', emailVerified: true, name: 'Dana Reyes', groups: ['nurses'] });
  });
});

describe('OIDC errors to reasons', () => {
  const wrapped = (code: string, cause: Record<string, unknown>) => Object.assign(new Error('x'), { code, cause: Object.assign(new Error('y'), { code, cause }) });
  test.each([
    ['aud differs', wrapped('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'aud' }), 'wrong-audience'],
    ['iss differs', wrapped('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'iss' }), 'wrong-issuer'],
    ['nonce differs', wrapped('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { claim: 'nonce' }), 'nonce-mismatch'],
    ['exp passed', wrapped('OAUTH_JWT_TIMESTAMP_CHECK_FAILED', { claim: 'exp' }), 'expired'],
    ['no key for the kid', wrapped('OAUTH_KEY_SELECTION_FAILED', {}), 'signing-key-unknown'],
    ['invalid_grant', Object.assign(new Error('bad'), { code: 'OAUTH_RESPONSE_BODY_ERROR', error: 'invalid_grant' }), 'code-refused'],
    ['something else', new Error('something nobody expected'), 'invalid-token'],
  ])('an error saying %s is %s', (_what, err, reason) => {
    expect(classifyOidcError(err)).toBe(reason);
  });
});
