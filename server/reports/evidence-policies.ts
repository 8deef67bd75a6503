import type { PolicyEvidence } from '../policies/records';
import { formatDateTime } from '../dates';

// The evidence pack's policy section (issue 16): every policy version's exact text with its hash, and
// the acknowledgements of the people in the pack, each with the hash that chains it to that text.

export const POLICY_VERSION_HEADER = ['policy', 'version', 'title', 'change', 'note', 'published_at', 'superseded_at', 'text_sha256', 'text'] as const;
export const POLICY_ACK_HEADER = ['employee_id', 'name', 'email', 'policy', 'version', 'signed_as', 'acknowledged_at', 'text_sha256', 'acknowledgement_sha256'] as const;
export const POLICY_VERSIONS_MARK = '# Policy versions (the sha256 covers the title, the version and the exact text)';
export const POLICY_ACKS_MARK = '# Policy acknowledgements (each sha256 chains the version text hash to the signature)';
export const POLICY_OUTSTANDING_HEADER = ['employee_id', 'name', 'email', 'policy', 'version_to_sign', 'status', 'due_on', 'reason'] as const;
export const POLICY_OUTSTANDING_MARK = '# Policy signatures outstanding (what the assignment rules require and is not signed)';

/** The section's CSV rows, marker lines included, in the order they are written. */
export function policyCsvRows(p: PolicyEvidence): string[][] {
  return [
    [POLICY_VERSIONS_MARK], [...POLICY_VERSION_HEADER],
    ...p.versions.map((v) => [v.slug, v.label, v.title, v.kind, v.note, v.publishedAt, v.supersededAt, v.textHash, v.text]),
    [POLICY_ACKS_MARK], [...POLICY_ACK_HEADER],
    ...p.acknowledgements.map((a) => [a.employeeId, a.name, a.email, a.slug, a.label, a.signedAs, a.acknowledgedAt, a.textHash, a.ackHash]),
    [POLICY_OUTSTANDING_MARK], [...POLICY_OUTSTANDING_HEADER],
    ...p.outstanding.map((o) => [o.employeeId, o.name, o.email, o.slug, o.label, o.status, o.dueOn, o.reason]),
  ];
}

/** Writes one block of text in the PDF, starting a new page first when it would not fit. */
export type Block = (text: string, font: 'body' | 'bold', size: number) => void;

/** The section in the PDF: acknowledgements first (what an auditor looks for), then each version's text. */
export function drawPolicySection(p: PolicyEvidence, block: Block, timeZone: string): void {
  if (p.versions.length === 0) return;
  block('Policy acknowledgements', 'bold', 12);
  if (p.acknowledgements.length === 0) block('No one in this pack has signed a policy.', 'body', 9);
  for (const a of p.acknowledgements) {
    block(`${a.name}${a.employeeId ? ` (${a.employeeId})` : ''} signed ${a.slug} version ${a.label} as "${a.signedAs}" on ${formatDateTime(a.acknowledgedAt, timeZone)}. Text sha256 ${a.textHash}; acknowledgement sha256 ${a.ackHash}.`, 'body', 8);
  }
  if (p.outstanding.length) {
    block('Policy signatures outstanding', 'bold', 12);
    for (const o of p.outstanding) block(`${o.name}${o.employeeId ? ` (${o.employeeId})` : ''} has not signed ${o.slug} version ${o.label} (${o.status}). ${o.reason}`, 'body', 8);
  }
  block('Policy versions', 'bold', 12);
  for (const v of p.versions) {
    block(`${v.title}, version ${v.label} (${v.slug}): ${v.kind === 'material' ? 'material change' : 'correction'}, published ${formatDateTime(v.publishedAt, timeZone)}${v.supersededAt ? `, in effect until ${formatDateTime(v.supersededAt, timeZone)}` : ', in effect now'}. ${v.note}`, 'bold', 9);
    block(`Text sha256 ${v.textHash}`, 'body', 8);
    for (const paragraph of v.text.split(/\n{2,}/)) block(paragraph, 'body', 9);
  }
}
