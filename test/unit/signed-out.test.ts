import { parseResend, samePath, signedOutMessage } from '../../server/http/signed-out';

describe('after an idle sign-out', () => {
  test('the message names the configured idle time', () => {
    expect(signedOutMessage(30 * 60_000)).toMatch(/^You were signed out after 30 minutes — your answers are kept\./);
    expect(signedOutMessage(60_000)).toMatch(/^You were signed out after 1 minute — your answers are kept\./);
  });

  test.each([
    ['http://127.0.0.1:3000/courses/c/quiz/attempts/4', '/courses/c/quiz/attempts/4'],
    ['https://evil.example/courses/c?x=1', '/courses/c?x=1'],
    ['//evil.example/x', '/x'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    [undefined, '/'],
    ['', '/'],
  ])('the way back from %p is the path %p on this site', (referer, path) => {
    expect(samePath(referer)).toBe(path);
  });

  test('a carried form is read back only when it is a learner\'s own quiz answers or attestation here, and holds no password or token', () => {
    const ok = { action: '/courses/c/quiz/attempts/4', fields: [['q_a', 'b'], ['q_a', 'c']] };
    expect(parseResend(JSON.stringify(ok))).toEqual(ok);
    for (const bad of [
      { ...ok, action: '//evil.example/x' }, { ...ok, action: 'https://evil.example/' }, { ...ok, action: '/login' }, { ...ok, action: '/logout' }, { ...ok, action: '/' },
      { ...ok, action: '/admin/users/5' }, { ...ok, action: '/password/abc' }, { ...ok, action: '/setup/abc' }, { ...ok, action: '/courses/c/quiz/attempts/4?x=1' },
      { ...ok, fields: [['password', 'x']] }, { ...ok, fields: [['_csrf', 'x']] }, { ...ok, fields: [['a']] }, { ...ok, fields: [['a', 1]] }, { ...ok, fields: 'a' },
      { ...ok, fields: Array.from({ length: 201 }, () => ['a', 'b']) },
    ]) expect(parseResend(JSON.stringify(bad))).toBeUndefined();
    for (const raw of ['', '{', '1', 'null', '[]', 'x'.repeat(100_001)]) expect(parseResend(raw)).toBeUndefined();
    expect(parseResend(undefined)).toBeUndefined();
  });
});
