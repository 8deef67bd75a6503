import type { PolicyVersion } from '../db/schema';

// Which version of a policy is in effect and which one a person must have signed, from the versions
// alone. A correction keeps the requirement where it was (earlier signatures carry over); a material
// change moves it to itself (everyone signs again).

export type VersionRow = PolicyVersion & { slug: string };

export interface PolicyState {
  slug: string;
  /** The version people read now: the latest published. */
  current: VersionRow;
  /** The version whose signature (or a later one's) counts: the latest material change, or the first version. */
  required: VersionRow;
  versions: VersionRow[];
}

/** Each policy's state, by slug, from versions listed oldest first within each policy. */
export function policyStates(rows: VersionRow[]): Map<string, PolicyState> {
  const bySlug = new Map<string, VersionRow[]>();
  for (const r of rows) bySlug.set(r.slug, [...(bySlug.get(r.slug) ?? []), r]);
  const out = new Map<string, PolicyState>();
  for (const [slug, versions] of bySlug) {
    versions.sort((a, b) => a.seq - b.seq);
    const current = versions[versions.length - 1]!;
    const required = [...versions].reverse().find((v) => v.change_kind === 'material') ?? versions[0]!;
    out.set(slug, { slug, current, required, versions });
  }
  return out;
}

/** Whether a signature of this version meets the policy's requirement now. */
export function signatureCounts(state: PolicyState, versionId: number): boolean {
  const signed = state.versions.find((v) => v.id === versionId);
  return signed !== undefined && signed.seq >= state.required.seq;
}
