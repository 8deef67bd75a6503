import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Role = 'learner' | 'manager' | 'admin' | 'auditor';
export const ROLES: readonly Role[] = ['learner', 'manager', 'admin', 'auditor'];
export type UserStatus = 'active' | 'deactivated';
export type TokenPurpose = 'setup' | 'set-password';

export interface DepartmentsTable {
  id: Generated<number>;
  name: string;
  parent_id: number | null;
  path_key: string;
  created_at: string;
}

export interface UsersTable {
  id: Generated<number>;
  employee_id: string | null;
  email: string;
  email_normalized: string;
  name: string;
  role: Role;
  department_id: number | null;
  manager_id: number | null;
  hire_date: string | null;
  status: Generated<UserStatus>;
  password_hash: string | null;
  failed_logins: Generated<number>;
  locked_until: string | null;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  sid: string;
  data: string;
  user_id: number | null;
  expires_at: string;
}

export interface OneTimeTokensTable {
  id: Generated<number>;
  token_hash: string;
  purpose: TokenPurpose;
  user_id: number | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  occurred_at: string;
  actor_id: number | null;
  actor_label: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: string;
  ip: string | null;
  prev_hash: string;
  hash: string;
}

export interface DB {
  departments: DepartmentsTable;
  users: UsersTable;
  sessions: SessionsTable;
  one_time_tokens: OneTimeTokensTable;
  audit_events: AuditEventsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Department = Selectable<DepartmentsTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
