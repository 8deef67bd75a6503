import path from 'node:path';
import ejs from 'ejs';
import type { NextFunction, Request, Response } from 'express';
import { ROLES, type Role } from '../../server/db/schema';
import { CAPABILITIES, NAVIGATION, capabilities, navigationFor, roleCan, type Capability } from '../../server/http/capabilities';
import { can } from '../../server/http/guards';

// The one capability map: the guards and the navigation both read it. The integration twin
// (test/integration/navigation.test.ts) opens every link as each role through the real app.

const HEAD = path.join(__dirname, '../../views/partials/head.ejs');

function navHrefs(html: string): string[] {
  const nav = /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
}

/** What the guard says for a signed-in person of `role`: 'next', 'forbidden' or 'sign-in'. */
function guardAnswer(capability: Capability, role: Role | null): string {
  let answer = 'none';
  const req = { user: role ? { role } : undefined, method: 'GET', originalUrl: '/x' } as unknown as Request;
  const res = { redirect: () => { answer = 'sign-in'; } } as unknown as Response;
  const next: NextFunction = (err?: unknown) => { answer = err ? (err as { code?: string }).code ?? 'error' : 'next'; };
  can(capability)(req, res, next);
  return answer;
}

describe('capabilities(role)', () => {
  test('each role may do what the access matrix says, no more', () => {
    const table = Object.fromEntries(ROLES.map((r) => [r, [...capabilities(r)].sort()]));
    expect(table).toEqual({
      learner: ['learn'],
      manager: ['learn', 'see-reports', 'see-team'],
      auditor: ['learn', 'see-audit', 'see-people', 'see-reports', 'see-team'],
      admin: ['import-people', 'learn', 'manage-people', 'manage-settings', 'record-training', 'revoke-certificates', 'see-audit', 'see-people', 'see-reports', 'see-team'],
    });
  });

  test('the guard can(x) lets a role through exactly when the map says so, and sends anonymous visitors to sign in', () => {
    for (const capability of CAPABILITIES) {
      expect(guardAnswer(capability, null)).toBe('sign-in');
      for (const role of ROLES) expect([role, capability, guardAnswer(capability, role)]).toEqual([role, capability, roleCan(role, capability) ? 'next' : 'forbidden']);
    }
  });

  test('every navigation link needs a capability some role has, and every link is distinct', () => {
    expect(new Set(NAVIGATION.map((l) => l.href)).size).toBe(NAVIGATION.length);
    for (const link of NAVIGATION) expect(ROLES.some((r) => roleCan(r, link.needs))).toBe(true);
  });

  test.each(ROLES)('the layout shows %s exactly the links the map lets them open', async (role) => {
    const html = await ejs.renderFile(HEAD, {
      title: 'T', currentUser: { name: 'Pat', role }, nav: navigationFor(role), can: capabilities(role), path: '/',
    });
    const shown = navHrefs(html);
    expect(shown).toEqual(NAVIGATION.filter((l) => roleCan(role, l.needs)).map((l) => l.href));
    expect(shown).toContain('/');
    expect(shown).toContain('/transcript');
  });

  test('the navigation, role by role: Reports for managers, auditors and admins (issue 14), not for learners', () => {
    const byRole = Object.fromEntries(ROLES.map((r) => [r, navigationFor(r).map((l) => l.label)]));
    expect(byRole).toEqual({
      learner: ['Dashboard', 'My record'],
      manager: ['Dashboard', 'My team', 'Reports', 'My record'],
      auditor: ['Dashboard', 'My team', 'Reports', 'People', 'Departments', 'Audit log', 'Policies', 'My record'],
      admin: ['Dashboard', 'My team', 'Reports', 'People', 'Departments', 'Audit log', 'Import', 'Settings', 'Policies', 'Outbox', 'My record'],
    });
  });
});
