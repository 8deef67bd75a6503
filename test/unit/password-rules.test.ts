import { passwordProblem, PASSWORD_MIN } from '../../server/auth/password-rules';
import { hashPassword, verifyPassword } from '../../server/auth/password-hashing';

describe('password policy (NIST SP 800-63B-4)', () => {
  test.each([
    'lantern orchard velvet 42',
    'my cat eats purple carrots',
    'Tr0ub4dor&3 is not enough!!',
    'ñandú cóndor pingüino 2026',
    '😀 rather long emoji phrase',
  ])('accepts %p (length, not composition, matters)', (pw) => {
    expect(passwordProblem(pw, { email: 'amara@riverside.example' })).toBeNull();
  });

  test.each([
    ['short', 'at least 15'],
    ['fourteen chars', 'at least 15'],
    ['x'.repeat(129), 'at most 128'],
    ['passwordpassword', 'common'],
    ['1qaz2wsx3edc4rfv', 'common'],
    ['qwertyuiop123456', 'common'],
    ['iloveyou12345678', 'common'],
    ['aaaaaaaaaaaaaaaa', 'repeats'],
    ['abcabcabcabcabcabc', 'repeats'],
    ['amara.okafor-2026!!', 'email'],
    ['PrivacyRounds', 'at least 15'],
  ])('refuses %p', (pw, why) => {
    expect(passwordProblem(pw, { email: 'amara.okafor@riverside.example' })).toMatch(new RegExp(why, 'i'));
  });

  test('counts characters, not bytes or UTF-16 units', () => {
    const short = '😀'.repeat(PASSWORD_MIN - 1);
    // Long enough in UTF-16 units (each emoji is two), too short in characters.
    expect(short.length).toBeGreaterThanOrEqual(PASSWORD_MIN);
    expect(passwordProblem(short)).toMatch(/at least/);
  });

  test('Argon2id hashes verify, with explicit parameters, and a wrong password does not', async () => {
    const h = await hashPassword('lantern orchard velvet 42');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(h, 'lantern orchard velvet 42')).toBe(true);
    expect(await verifyPassword(h, 'lantern orchard velvet 43')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
  });
});
