import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import PDFDocument from 'pdfkit';
import { inChunks } from '../db/chunks';
import { stringify } from 'csv-stringify';
import type { Catalogue } from '../content/catalogue';
import type { DB } from '../db/schema';
import type { Training } from '../training/service';
import { formatDay } from '../training/dates';
import { neutralise } from './csv-export';
import { FONT, FONT_BOLD } from '../certificates/fonts';

export interface EvidenceLine {
  employeeId: string;
  name: string;
  email: string;
  status: string;
  course: string;
  cycle: string;
  completedOn: string;
  validUntil: string;
  source: string;
  score: string;
  contentVersion: string;
  attestation: string;
  certificate: string;
}

export interface EvidencePack {
  title: string;
  scope: string;
  generatedAt: Date;
  generatedBy: string;
  orgName: string;
  people: number;
  lines: EvidenceLine[];
}

/** Every completion of the given people, with its attestation and certificates: the record an auditor asks for. */
export async function evidenceLines(db: Kysely<DB>, training: Training, catalogue: Catalogue, userIds: number[]): Promise<EvidenceLine[]> {
  const [people, completions, attestations, certificates] = await Promise.all([
    inChunks(userIds, (ids) => db.selectFrom('users').select(['id', 'employee_id', 'name', 'email', 'status']).where('id', 'in', ids).execute()),
    inChunks(userIds, (ids) => db.selectFrom('completions').selectAll().where('user_id', 'in', ids).execute()),
    inChunks(userIds, (ids) => db.selectFrom('attestations').selectAll().where('user_id', 'in', ids).execute()),
    inChunks(userIds, (ids) => db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
      .select(['certificates.completion_id', 'certificates.code', 'certificates.status']).where('completions.user_id', 'in', ids).execute()),
  ]);
  // Chunks come back in chunk order: sort as one list.
  people.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  completions.sort((a, b) => (a.completed_at < b.completed_at ? -1 : a.completed_at > b.completed_at ? 1 : a.id - b.id));
  const lines: EvidenceLine[] = [];
  for (const p of people) {
    const mine = completions.filter((c) => c.user_id === p.id);
    const person = { employeeId: p.employee_id ?? '', name: p.name, email: p.email, status: p.status };
    if (mine.length === 0) {
      lines.push({ ...person, course: '', cycle: '', completedOn: '', validUntil: '', source: 'no completion on record', score: '', contentVersion: '', attestation: '', certificate: '' });
      continue;
    }
    for (const c of mine) {
      const att = attestations.find((a) => a.id === c.attestation_id);
      lines.push({
        ...person, course: catalogue.get(c.course_id)?.title ?? c.course_id, cycle: c.cycle, completedOn: training.dayOf(c.completed_at), validUntil: c.valid_until,
        source: c.source, score: c.score === null ? '' : String(c.score), contentVersion: c.content_hash ? c.content_hash.slice(0, 12) : '',
        attestation: att ? `${att.policy_title} v${att.policy_version}, signed "${att.typed_name}" on ${training.dayOf(att.attested_at)}` : '',
        certificate: certificates.filter((x) => x.completion_id === c.id).map((x) => `${x.code} (${x.status})`).join('; '),
      });
    }
  }
  return lines;
}

const CITATION = 'Training of the workforce is documented as required by 45 CFR 164.530(b)(2), and this documentation is retained for six years as required by 45 CFR 164.530(j).';

export async function writeEvidenceCsv(pack: EvidencePack, out: Writable): Promise<void> {
  const csv = stringify({ record_delimiter: '\r\n' });
  csv.pipe(out);
  out.write('\uFEFF');
  csv.write([`# ${pack.title}: ${pack.scope}`]);
  csv.write([`# ${CITATION}`]);
  csv.write([`# Generated ${pack.generatedAt.toISOString()} by ${pack.generatedBy}`]);
  csv.write(['employee_id', 'name', 'email', 'account_status', 'course', 'cycle', 'completed_on', 'valid_until', 'source', 'score', 'content_version', 'attestation', 'certificates']);
  for (const l of pack.lines) {
    csv.write([l.employeeId, l.name, l.email, l.status, l.course, l.cycle, l.completedOn, l.validUntil, l.source, l.score, l.contentVersion, l.attestation, l.certificate].map(neutralise));
  }
  await new Promise<void>((resolve) => { csv.end(() => resolve()); });
}

/** A paginated, tagged PDF of the same lines, with the regulatory citation and who generated it. */
export function writeEvidencePdf(pack: EvidencePack, out: Writable): void {
  const doc = new PDFDocument({
    size: 'LETTER', layout: 'landscape', margin: 40, tagged: true, lang: 'en-US', displayTitle: true, bufferPages: true,
    info: { Title: `${pack.title}: ${pack.scope}`, Author: pack.orgName, Subject: 'HIPAA workforce training evidence', Creator: 'Privacy Rounds', CreationDate: pack.generatedAt },
  });
  doc.pipe(out);
  doc.registerFont('body', FONT);
  doc.registerFont('bold', FONT_BOLD);
  const root = doc.struct('Document');
  doc.addStructure(root);
  const para = (type: 'H1' | 'P', text: string, font: 'body' | 'bold', size: number) =>
    root.add(doc.struct(type, {}, () => { doc.font(font).fontSize(size).fillColor('#1b1f24').text(text, { width: 712 }); }));
  para('H1', `${pack.orgName}: ${pack.title}`, 'bold', 18);
  para('P', pack.scope, 'bold', 12);
  para('P', CITATION, 'body', 10);
  para('P', `Generated ${pack.generatedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC by ${pack.generatedBy}. ${pack.people} people, ${pack.lines.length} lines.`, 'body', 10);
  doc.moveDown();
  const cols: [string, keyof EvidenceLine, number][] = [
    ['Employee', 'employeeId', 60], ['Name', 'name', 95], ['Course', 'course', 95], ['Completed', 'completedOn', 62], ['Valid until', 'validUntil', 62],
    ['How', 'source', 52], ['Score', 'score', 34], ['Content', 'contentVersion', 55], ['Attestation', 'attestation', 120], ['Certificate', 'certificate', 77],
  ];
  const row = (cells: string[], bold: boolean) => {
    const y = doc.y;
    if (y > 540) doc.addPage();
    const top = doc.y;
    let x = 40;
    let height = 0;
    root.add(doc.struct('P', {}, () => {
      doc.font(bold ? 'bold' : 'body').fontSize(7.5);
      cells.forEach((c, i) => {
        const w = cols[i]![2];
        height = Math.max(height, doc.heightOfString(c, { width: w - 4 }));
        doc.text(c, x, top, { width: w - 4 });
        x += w;
      });
    }));
    doc.y = top + height + 4;
    doc.x = 40;
  };
  row(cols.map((c) => c[0]), true);
  for (const l of pack.lines) row(cols.map((c) => l[c[1]]), false);
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    doc.markContent('Artifact', { type: 'Pagination' });
    doc.font('body').fontSize(8).fillColor('#4a5562').text(`Page ${i + 1} of ${range.count} · ${formatDay(pack.generatedAt.toISOString().slice(0, 10))}`, 40, 585, { width: 712, align: 'right', lineBreak: false });
    doc.endMarkedContent();
  }
  root.end();
  doc.end();
}
