import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB, Department } from '../db/schema';
import { departmentStore } from './store';

export const DEPARTMENT_SEGMENT_MAX = 100;
export const DEPARTMENT_DEPTH_MAX = 8;

/** "Nursing / ICU" or "Nursing/ICU" → ["Nursing", "ICU"]; a string error when malformed. */
export function splitDepartmentPath(input: string): string[] | string {
  const parts = input.split('/').map((p) => p.trim().replace(/\s+/g, ' '));
  if (parts.some((p) => p.length === 0)) return 'Use names separated by "/", for example Nursing/ICU, with no empty parts.';
  if (parts.length > DEPARTMENT_DEPTH_MAX) return `At most ${DEPARTMENT_DEPTH_MAX} levels are allowed.`;
  if (parts.some((p) => p.length > DEPARTMENT_SEGMENT_MAX)) return `Each department name has at most ${DEPARTMENT_SEGMENT_MAX} characters.`;
  return parts;
}

export const pathKey = (parts: string[]): string => parts.map((p) => p.toLowerCase()).join('/');

/** Finds or creates every level of a department path; returns the leaf's id. Idempotent. */
export async function ensureDepartment(db: Kysely<DB>, clock: Clock, parts: string[]): Promise<{ id: number; created: string[] }> {
  const store = departmentStore(db);
  let parentId: number | null = null;
  const created: string[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    const key = pathKey(parts.slice(0, i + 1));
    let dept = await store.byPathKey(key);
    if (!dept) {
      await store.insert(parts[i]!, parentId, key, clock.now().toISOString());
      dept = await store.byPathKey(key);
      created.push(parts.slice(0, i + 1).join('/'));
    }
    parentId = dept!.id;
  }
  if (parentId === null) throw new Error('empty department path');
  return { id: parentId, created };
}

export interface DepartmentNode {
  id: number;
  name: string;
  parentId: number | null;
  path: string;
  depth: number;
  children: DepartmentNode[];
}

/** The departments as a tree, plus a depth-first list for indented display and select boxes. */
export function departmentTree(rows: Department[]): { byId: Map<number, DepartmentNode>; ordered: DepartmentNode[] } {
  const byId = new Map<number, DepartmentNode>();
  for (const r of rows) byId.set(r.id, { id: r.id, name: r.name, parentId: r.parent_id, path: r.name, depth: 0, children: [] });
  const roots: DepartmentNode[] = [];
  for (const node of byId.values()) {
    const parent = node.parentId === null ? undefined : byId.get(node.parentId);
    if (parent) parent.children.push(node); else roots.push(node);
  }
  const ordered: DepartmentNode[] = [];
  const walk = (nodes: DepartmentNode[], prefix: string, depth: number) => {
    nodes.sort((a, b) => a.name.localeCompare(b.name));
    for (const n of nodes) {
      n.path = prefix ? `${prefix}/${n.name}` : n.name;
      n.depth = depth;
      ordered.push(n);
      walk(n.children, n.path, depth + 1);
    }
  };
  walk(roots, '', 0);
  return { byId, ordered };
}

/** A department and all of its descendants. */
export function subtreeIds(rows: Department[], rootId: number): number[] {
  const { byId } = departmentTree(rows);
  const root = byId.get(rootId);
  if (!root) return [];
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n.id);
    stack.push(...n.children);
  }
  return out;
}
