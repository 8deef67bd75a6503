import { SignJWT, generateKeyPair, jwtVerify } from 'jose';

// The identity work needs ES-module-only packages (jose, openid-client, oidc-provider). This proves
// the test runner loads one from our CommonJS test code and that it really works, not just imports.
describe('ES-module-only packages', () => {
  test('jose signs a token and verifies it, and refuses one signed by another key', async () => {
    const ours = await generateKeyPair('ES256');
    const theirs = await generateKeyPair('ES256');
    const token = await new SignJWT({ sub: 'person-1' }).setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://idp.invalid').setAudience('privacy-rounds').setExpirationTime('5m').sign(ours.privateKey);
    const { payload } = await jwtVerify(token, ours.publicKey, { issuer: 'https://idp.invalid', audience: 'privacy-rounds' });
    expect(payload.sub).toBe('person-1');
    await expect(jwtVerify(token, theirs.publicKey)).rejects.toThrow(/signature/i);
  });
});
