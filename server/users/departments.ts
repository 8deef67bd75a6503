import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB, Department } from '../db/schema';
import { departmentStore } from './store';

const DEPARTMENT_SEGMENT_MAX = 100;
const DEPARTMENT_DEPTH_MAX = 8;

// Characters that look like "/" without being one. A name holding one reads like a path inside another
// department ("Nursing∕ICU") while being a department of its own, outside that department's subtree and
// so outside its manager's scope.
// The combining solidus overlays (U+0337, U+0338) draw a slash through the letter before them.
const SLASH_LOOKALIKES = /[\u2044\u2215\u2571\u27cb\u29f8\u2afb\u2afd\uff0f\u1735\u3033]|\u0337|\u0338/u;
// Invisible characters (zero-width space and joiners, word joiner, BOM, soft hyphen, bidi marks…): two
// names that look the same on every screen would be two departments.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** Why a department path cannot be used as typed, before it is normalised, or undefined. */
function lookAlikeProblem(s: string): string | undefined {
  const slash = SLASH_LOOKALIKES.exec(s)?.[0];
  if (slash) {
    const code = `U+${slash.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return `Use a plain "/" between department names: the "${slash}" (${code}) in it only looks like one.`;
  }
  if (INVISIBLE.test(s)) return 'Remove the invisible characters (such as zero-width spaces) from the department name.';
  return undefined;
}

/**
 * "Nursing / ICU" or "Nursing/ICU" → ["Nursing", "ICU"]; a string error when malformed. Names are
 * NFKC-normalised ("Ｎｕｒｓｉｎｇ" is "Nursing"), and slash look-alikes and invisible characters are
 * refused, so a department cannot be made to look like one inside a manager's scope.
 */
export function splitDepartmentPath(input: string): string[] | string {
  const problem = lookAlikeProblem(input);
  if (problem) return problem;
  const normalised = input.normalize('NFKC');
  const after = lookAlikeProblem(normalised);
  if (after) return after;
  const parts = normalised.split('/').map((p) => p.trim().replace(/\s+/g, ' '));
  if (parts.some((p) => p.length === 0)) return 'Use names separated by "/", for example Nursing/ICU, with no empty parts.';
  if (parts.length > DEPARTMENT_DEPTH_MAX) return `At most ${DEPARTMENT_DEPTH_MAX} levels are allowed.`;
  if (parts.some((p) => p.length > DEPARTMENT_SEGMENT_MAX)) return `Each department name has at most ${DEPARTMENT_SEGMENT_MAX} characters.`;
  return parts;
}

const pathKey = (parts: string[]): string => parts.map((p) => p.toLowerCase()).join('/');

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
