import type { Role } from '../db/schema';

/**
 * What a role may do. The one map behind the route guards (`can(...)` in guards.ts) and the links the
 * layout and the dashboard show (NAVIGATION below): a link is shown exactly when its page would open.
 * Which people a manager sees (their scope) and which certificates a viewer may download are data
 * rules, decided by the features; this map only says which pages a role may open at all.
 */
export const CAPABILITIES = [
  /** Courses, lessons, quizzes, one's own record and certificates: everyone signed in. */
  'learn',
  /** The team page and a team member's page (a manager within their scope). */
  'see-team',
  /** The report and its downloads: CSV export, certificates ZIP, evidence packs. */
  'see-reports',
  /** The people list, a person's record and the departments, read-only. */
  'see-people',
  /** The audit log. */
  'see-audit',
  /** Add and edit people and departments, deactivate, reactivate, issue password links. */
  'manage-people',
  /** Import people from an HR CSV. */
  'import-people',
  /** Record in-person completions and import training history. */
  'record-training',
  /** Revoke and reissue certificates. */
  'revoke-certificates',
  /** Organisation settings: name, logo, contacts, the policy text signed at attestation, base URL. */
  'manage-settings',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

const STAFF: readonly Capability[] = ['learn', 'see-team', 'see-reports'];
const BY_ROLE: Readonly<Record<Role, readonly Capability[]>> = {
  learner: ['learn'],
  manager: STAFF,
  auditor: [...STAFF, 'see-people', 'see-audit'],
  admin: [...STAFF, 'see-people', 'see-audit', 'manage-people', 'import-people', 'record-training', 'revoke-certificates', 'manage-settings'],
};

/** Everything `role` may do. */
export function capabilities(role: Role): ReadonlySet<Capability> {
  return new Set(BY_ROLE[role]);
}

/** Whether `role` may do `capability`. */
export function roleCan(role: Role, capability: Capability): boolean {
  return BY_ROLE[role].includes(capability);
}

export interface NavLink {
  href: string;
  label: string;
  /** What opening the page takes. */
  needs: Capability;
}

/** The main navigation, in the order the layout shows it. */
export const NAVIGATION: readonly NavLink[] = [
  { href: '/', label: 'Dashboard', needs: 'learn' },
  { href: '/team', label: 'My team', needs: 'see-team' },
  { href: '/reports', label: 'Reports', needs: 'see-reports' },
  { href: '/admin/users', label: 'People', needs: 'see-people' },
  { href: '/admin/departments', label: 'Departments', needs: 'see-people' },
  { href: '/admin/audit', label: 'Audit log', needs: 'see-audit' },
  { href: '/admin/import', label: 'Import', needs: 'import-people' },
  { href: '/admin/settings', label: 'Settings', needs: 'manage-settings' },
  { href: '/admin/policies', label: 'Policies', needs: 'see-audit' },
  { href: '/admin/outbox', label: 'Outbox', needs: 'manage-settings' },
  { href: '/transcript', label: 'My record', needs: 'learn' },
];

/** The navigation links `role` may open. */
export function navigationFor(role: Role): NavLink[] {
  return NAVIGATION.filter((link) => roleCan(role, link.needs));
}
