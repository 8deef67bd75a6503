import { allowance } from '../../server/learning/attempt-limit';

const HOUR = 3_600_000;
const rules = { maxAttempts: 3, cooldownMs: 24 * HOUR };
const at = (h: number) => new Date(Date.UTC(2026, 10, 2, 0, 0) + h * HOUR);
const iso = (h: number) => at(h).toISOString();

describe('quiz attempts in sets', () => {
  test('a set counts down from its size; the last submission of a full set starts the cool-down', () => {
    expect(allowance(rules, [], at(0))).toEqual({ remaining: 3, nextSetAt: null });
    expect(allowance(rules, [iso(0)], at(1))).toEqual({ remaining: 2, nextSetAt: null });
    expect(allowance(rules, [iso(0), iso(1)], at(2))).toEqual({ remaining: 1, nextSetAt: null });
    expect(allowance(rules, [iso(0), iso(5), iso(1)], at(6))).toEqual({ remaining: 0, nextSetAt: iso(29) });
  });

  test('a fresh set opens exactly when the cool-down ends, and the next full set waits again', () => {
    const three = [iso(0), iso(1), iso(2)];
    expect(allowance(rules, three, new Date(at(26).getTime() - 1)).remaining).toBe(0);
    expect(allowance(rules, three, at(26))).toEqual({ remaining: 3, nextSetAt: null });
    expect(allowance(rules, [...three, iso(30)], at(31)).remaining).toBe(2);
    expect(allowance(rules, [...three, iso(30), iso(31), iso(32)], at(33))).toEqual({ remaining: 0, nextSetAt: iso(56) });
  });

  test('0 attempts means unlimited: never a cool-down', () => {
    const many = Array.from({ length: 50 }, (_, i) => iso(i / 60));
    expect(allowance({ maxAttempts: 0, cooldownMs: 24 * HOUR }, many, at(1))).toEqual({ remaining: null, nextSetAt: null });
  });
});
