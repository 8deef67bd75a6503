import { CODE_PATTERN, codeHash, newCertificateCode, normalizeCode, sameCode } from '../../server/certificates/codes';

describe('certificate codes', () => {
  test('look like PR-XXXX-XXXX-XXXX-XXXX in Crockford base32 (80 bits)', () => {
    for (let i = 0; i < 200; i += 1) expect(newCertificateCode()).toMatch(CODE_PATTERN);
    expect(16 * Math.log2(32)).toBe(80);
  });

  test('are unique and evenly spread over the alphabet', () => {
    const codes = Array.from({ length: 20_000 }, newCertificateCode);
    expect(new Set(codes).size).toBe(codes.length);
    const counts = new Map<string, number>();
    for (const c of codes) for (const ch of c.slice(3).replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(32);
    const expected = (codes.length * 16) / 32;
    // Chi-square with 31 degrees of freedom: above 70 happens by chance less than once in 10,000 runs.
    const chi = [...counts.values()].reduce((s, n) => s + ((n - expected) ** 2) / expected, 0);
    expect(chi).toBeLessThan(70);
  });

  test('are normalised as people type them', () => {
    const code = 'PR-7KQ4-M2XD-9WTA-H3NB';
    for (const typed of ['pr-7kq4-m2xd-9wta-h3nb', ' PR 7KQ4 M2XD 9WTA H3NB ', '7KQ4M2XD9WTAH3NB', 'pr7kq4m2xd9wtah3nb']) expect(normalizeCode(typed)).toBe(code);
    expect(normalizeCode('PR-0000-1111-0000-1111')).toBe('PR-0000-1111-0000-1111');
    expect(normalizeCode('PR-OOOO-IIII-LLLL-0000')).toBe('PR-0000-1111-1111-0000');
    for (const bad of ['', 'PR-', 'PR-7KQ4-M2XD-9WTA', 'PR-7KQ4-M2XD-9WTA-H3NBX', 'PR-7KQ4-M2XD-9WTA-H3N!', 'x'.repeat(100), 'PR-UUUU-0000-0000-0000']) {
      expect(normalizeCode(bad)).toBeUndefined();
    }
  });

  test('compare in constant time and hash stably', () => {
    expect(sameCode('PR-AAAA', 'PR-AAAA')).toBe(true);
    expect(sameCode('PR-AAAA', 'PR-AAAB')).toBe(false);
    expect(sameCode('PR-AAAA', 'PR-AAA')).toBe(false);
    expect(codeHash('PR-7KQ4-M2XD-9WTA-H3NB')).toMatch(/^[0-9a-f]{64}$/);
  });
});
