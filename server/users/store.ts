import { byteOrder } from '../db/text-order';
import type { Kysely } from 'kysely';
import { inChunks } from '../db/chunks';
import { personMatches } from '../db/like';
import type { DB, NewUser, Role, UserStatus, UserUpdate } from '../db/schema';

export interface UserFilter {
  search?: string;
  role?: Role;
  status?: UserStatus;
  departmentIds?: number[];
}

export function userStore(db: Kysely<DB>) {
  const filtered = (f: UserFilter) => {
    let q = db.selectFrom('users');
    if (f.search) q = q.where((eb) => personMatches(eb, f.search!));
    if (f.role) q = q.where('users.role', '=', f.role);
    if (f.status) q = q.where('users.status', '=', f.status);
    if (f.departmentIds) q = q.where('users.department_id', 'in', f.departmentIds.length ? f.departmentIds : [-1]);
    return q;
  };

  return {
    byId: (id: number) => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst(),
    byEmail: (email: string) =>
      db.selectFrom('users').selectAll().where('email_normalized', '=', email.trim().toLowerCase()).executeTakeFirst(),
    byEmployeeId: (employeeId: string) =>
      db.selectFrom('users').selectAll().where('employee_id', '=', employeeId).executeTakeFirst(),
    byEmails: (emails: string[]) => inChunks(emails, (chunk) => db.selectFrom('users').selectAll().where('email_normalized', 'in', chunk).execute()),
    byEmployeeIds: (ids: string[]) => inChunks(ids, (chunk) => db.selectFrom('users').selectAll().where('employee_id', 'in', chunk).execute()),
    insert: (row: NewUser) => db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow(),
    update: (id: number, patch: UserUpdate) =>
      db.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
    countActiveAdmins: async () => Number((await db.selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin').where('status', '=', 'active').executeTakeFirstOrThrow()).n),
    page: (f: UserFilter, limit: number, offset: number) =>
      filtered(f)
        .leftJoin('departments', 'departments.id', 'users.department_id')
        .selectAll('users')
        .select('departments.path_key as department_key')
        .orderBy(byteOrder(db, 'users.name')).orderBy('users.id')
        .limit(limit).offset(offset).execute(),
    count: async (f: UserFilter) =>
      Number((await filtered(f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    /** Who reports to whom, for everyone with a manager: one read, walked in memory for reporting cycles. */
    /** People with a manager, by id after `afterId`, `limit` at a time (read in slices during an import). */
    managerLinksAfter: (afterId: number, limit: number) => db.selectFrom('users').select(['id', 'email', 'manager_id'])
      .where('manager_id', 'is not', null).where('id', '>', afterId).orderBy('id').limit(limit).execute(),
    directReportIds: async (managerId: number) =>
      (await db.selectFrom('users').select('id').where('manager_id', '=', managerId).execute()).map((r) => r.id),
  };
}

export function departmentStore(db: Kysely<DB>) {
  return {
    all: () => db.selectFrom('departments').selectAll().orderBy(byteOrder(db, 'path_key')).execute(),
    byId: (id: number) => db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst(),
    byPathKey: (key: string) => db.selectFrom('departments').selectAll().where('path_key', '=', key).executeTakeFirst(),
    insert: (name: string, parentId: number | null, pathKey: string, now: string) =>
      db.insertInto('departments').values({ name, parent_id: parentId, path_key: pathKey, created_at: now })
        .onConflict((oc) => oc.column('path_key').doNothing())
        .execute(),
  };
}
