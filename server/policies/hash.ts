import crypto from 'node:crypto';

// The two hashes behind a policy acknowledgement. A version's text hash covers the exact text people
// read with its title and label (the same shape as settings' policy_texts hashes of issue 14); an
// acknowledgement's hash covers that text hash and the acknowledgement's own facts. Recomputing both
// from the stored rows (verifyPolicyChain in service.ts) shows a text changed after it was signed.

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Line endings made \n and outer blank space removed: the text as stored, hashed and shown. */
export const normalizePolicyText = (s: string) => s.replace(/\r\n?/g, '\n').trim();

export function policyTextHash(v: { title: string; label: string; text: string }): string {
  return sha256(`${v.title}\n${v.label}\n${v.text}`);
}

export interface AckFacts {
  textHash: string;
  versionId: number;
  userId: number;
  typedName: string;
  acknowledgedAt: string;
}

export function acknowledgementHash(a: AckFacts): string {
  return sha256(`${a.textHash}\n${a.versionId}\n${a.userId}\n${a.typedName}\n${a.acknowledgedAt}`);
}
