import type { Kysely } from 'kysely';
import type { DB, User } from '../db/schema';
import { subtreeIds } from './departments';
import { departmentStore, userStore } from './store';

/** Which people a viewer may see: everyone (admin, auditor), a department subtree plus direct reports (manager), or only themselves. */
export type Scope = { kind: 'all' } | { kind: 'departments'; departmentIds: number[]; directReportIds: number[] } | { kind: 'self'; userId: number };

export async function scopeFor(db: Kysely<DB>, viewer: User): Promise<Scope> {
  if (viewer.role === 'admin' || viewer.role === 'auditor') return { kind: 'all' };
  if (viewer.role === 'manager') {
    const departmentIds = viewer.department_id ? subtreeIds(await departmentStore(db).all(), viewer.department_id) : [];
    return { kind: 'departments', departmentIds, directReportIds: await userStore(db).directReportIds(viewer.id) };
  }
  return { kind: 'self', userId: viewer.id };
}

export function inScope(scope: Scope, target: Pick<User, 'id' | 'department_id'>): boolean {
  switch (scope.kind) {
    case 'all': return true;
    case 'self': return target.id === scope.userId;
    case 'departments':
      return scope.directReportIds.includes(target.id)
        || (target.department_id !== null && scope.departmentIds.includes(target.department_id));
  }
}
