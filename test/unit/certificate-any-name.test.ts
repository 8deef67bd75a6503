import fc from 'fast-check';
import { renderCertificatePdf, type CertificateData } from '../../server/certificates/render';
import { userFields } from '../../server/users/fields';

// Whatever name the app accepts renders: scripts no font has (they print as empty boxes, but the
// certificate is still issued), lone marks, bidi controls, mixed directions, 200 characters without a space.
function cert(learnerName: string): CertificateData {
  return {
    orgName: 'Riverside General', learnerName, courseTitle: 'HIPAA & social media', courseVersion: '2026.1', contentHash: null,
    completedOn: '2 Nov 2026', validUntil: '2 Nov 2027', how: 'Quiz score 92%', attestation: `Attested to the policy (version 1.0) on 2 Nov 2026, signed "${learnerName}"`,
    code: 'PR-7KQ4-M2XD-9WTA-H3NB', verifyUrl: 'https://training.riverside.example/verify/PR-7KQ4-M2XD-9WTA-H3NB', issuedAt: new Date(0),
  };
}

const pieces = fc.constantFrom('a', 'Ω', 'Ж', 'ệ', '王', 'か', '한', 'ع', 'لا', 'ש', ' ', '"', '«', '»', '(', ')', '1', '٣', '\u0301', '\u200f', '\u202e', '🙂', 'ก', 'ॐ', '\u3000', 'W');
const names = fc.array(pieces, { minLength: 1, maxLength: 200 }).map((p) => [...p.join('')].slice(0, 200).join('').trim())
  .filter((s) => userFields.shape.name.safeParse(s).success);

test('every name the app accepts renders to a PDF', async () => {
  await fc.assert(fc.asyncProperty(names, async (name) => {
    const pdf = await renderCertificatePdf(cert(name));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  }), { numRuns: 40, seed: 14 });
}, 120_000);
