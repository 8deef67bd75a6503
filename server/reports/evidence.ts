import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { chunksOf } from '../db/chunks';
import { stringify } from 'csv-stringify';
import type { Catalogue, Course } from '../content/catalogue';
import type { Training } from '../training/service';
import { formatDate, formatDateTime } from '../dates';
import { neutralise } from './csv-export';
import { DocumentFonts } from '../certificates/fonts';
import { drawLogo, type Logo } from '../certificates/logo';
import { drawLines, heightOf, wrap } from '../certificates/text-layout';
import { Pacer } from '../pacer';
import { sourceInWords } from '../training/present';
import { groupBy } from '../training/status-index';
import type { PolicyEvidence } from '../policies/records';
import { drawPolicySection, policyCsvRows } from './evidence-policies';
import { obligatedCoursesReader } from '../training/obligations';

export interface EvidenceLine {
  employeeId: string;
  name: string;
  email: string;
  status: string;
  /** The course's id, as reports and the CSV name it; empty only for a person with no obligation and no record. */
  courseId: string;
  course: string;
  /** The assignment rule(s) that give the person this course today, `; `-separated; empty when none does (or no rules exist). */
  assignment: string;
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
  /** The organisation's logo, printed at the top of the first page when there is one. */
  logo?: Logo;
  /** The organisation's time zone (config TIME_ZONE): the pack's times are given in it, as pages give them. */
  timeZone: string;
  people: number;
  lines: EvidenceLine[];
  /** Policy versions and these people's acknowledgements (issue 16), after the lines. */
  policies?: PolicyEvidence;
}

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/u;
const PLAIN = /^[\u0020-\u007e\u00a0-\u017f]*$/u;

/** People looked up per query: a slice of work small enough to let other requests in between. */
const SLICE = 200;

/**
 * Every completion of the given people, with its attestation and certificates: the record an auditor
 * asks for. Each course a person must take and has no completion of gets a line of its own saying so,
 * so a pack covers every course, not only the ones done.
 */
export async function evidenceLines(training: Training, catalogue: Catalogue, userIds: number[]): Promise<EvidenceLine[]> {
  const { db } = training;
  const pacer = new Pacer();
  type Rows<K extends 'people' | 'completions' | 'attestations' | 'certificates'> = Awaited<ReturnType<typeof slice>>[K];
  const slice = async (ids: number[]) => ({
    people: await db.selectFrom('users').select(['id', 'employee_id', 'name', 'email', 'status']).where('id', 'in', ids).execute(),
    completions: await db.selectFrom('completions').selectAll().where('user_id', 'in', ids).execute(),
    attestations: await db.selectFrom('attestations').selectAll().where('user_id', 'in', ids).execute(),
    certificates: await db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
      .select(['certificates.completion_id', 'certificates.code', 'certificates.status']).where('completions.user_id', 'in', ids).execute(),
  });
  const today = training.today();
  // The courses each person must take, read with their slice: the rules once, a few queries per slice.
  const coursesOf = obligatedCoursesReader(training, catalogue, today);
  const owedBy = new Map<number, { course: Course; assignment: string }[]>();
  const people: Rows<'people'> = [];
  const completions: Rows<'completions'> = [];
  const attestations: Rows<'attestations'> = [];
  const certificates: Rows<'certificates'> = [];
  // Query by query the database answers synchronously and awaiting it lets only microtasks run, so a
  // department read in one go held the event loop for all of it: read a slice, then let others in.
  for (const ids of chunksOf(userIds, SLICE)) {
    const rows = await slice(ids);
    // The obligations are a slice's worth of work of their own: let others in before them too.
    await pacer.pace();
    for (const [id, courses] of await coursesOf(ids)) owedBy.set(id, courses);
    people.push(...rows.people);
    completions.push(...rows.completions);
    attestations.push(...rows.attestations);
    certificates.push(...rows.certificates);
    await pacer.pace();
  }
  // Slices come back in slice order: sort as one list.
  people.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  completions.sort((a, b) => (a.completed_at < b.completed_at ? -1 : a.completed_at > b.completed_at ? 1 : a.id - b.id));
  // Looked up by key: searching the whole list for each person made a 7,000-person pack quadratic.
  const completionsBy = groupBy(completions, (c) => c.user_id);
  const attestationById = new Map(attestations.map((a) => [a.id, a]));
  const certificatesBy = groupBy(certificates, (x) => x.completion_id);
  const lines: EvidenceLine[] = [];
  const missing = (courseId: string, course: string, assignment: string) => ({
    courseId, course, assignment, cycle: '', completedOn: '', validUntil: '', source: 'no completion on record', score: '', contentVersion: '', attestation: '', certificate: '',
  });
  for (const p of people) {
    await pacer.pace();
    const mine = completionsBy.get(p.id) ?? [];
    const person = { employeeId: p.employee_id ?? '', name: p.name, email: p.email, status: p.status };
    const obligated = owedBy.get(p.id) ?? [];
    const assignmentOf = (courseId: string) => obligated.find((o) => o.course.id === courseId)?.assignment ?? '';
    const owed = obligated.filter((o) => !mine.some((c) => c.course_id === o.course.id));
    if (mine.length === 0 && owed.length === 0) lines.push({ ...person, ...missing('', '', '') });
    for (const c of mine) {
      const att = c.attestation_id === null ? undefined : attestationById.get(c.attestation_id);
      lines.push({
        ...person, courseId: c.course_id, course: catalogue.get(c.course_id)?.title ?? c.course_id, assignment: assignmentOf(c.course_id), cycle: c.cycle, completedOn: training.dayOf(c.completed_at), validUntil: c.valid_until,
        source: sourceInWords({ source: c.source }, 'evidence'), score: c.score === null ? '' : String(c.score), contentVersion: c.content_hash ? c.content_hash.slice(0, 12) : '',
        attestation: att ? `${att.policy_title} v${att.policy_version}, signed "${att.typed_name}" on ${training.dayOf(att.attested_at)}` : '',
        certificate: (certificatesBy.get(c.id) ?? []).map((x) => `${x.code} (${x.status})`).join('; '),
      });
    }
    for (const o of owed) lines.push({ ...person, ...missing(o.course.id, o.course.title, o.assignment) });
  }
  return lines;
}

export const CITATION = 'Training of the workforce is documented as required by 45 CFR 164.530(b)(2), and this documentation is retained for six years as required by 45 CFR 164.530(j).';

/**
 * The evidence CSV's columns, in order; README lists them. Columns keep their places and new ones go at
 * the end (course_id came with issue 16), so a spreadsheet or script that reads an earlier pack's
 * columns by position reads this one the same.
 */
export const EVIDENCE_COLUMNS = [
  'employee_id', 'name', 'email', 'account_status', 'course', 'cycle', 'completed_on', 'valid_until', 'source', 'score', 'content_version', 'attestation', 'certificates',
  'course_id', 'assignment',
] as const;

export async function writeEvidenceCsv(pack: EvidencePack, out: Writable): Promise<void> {
  const csv = stringify({ record_delimiter: '\r\n' });
  csv.pipe(out);
  out.write('\uFEFF');
  csv.write([`# ${pack.title}: ${pack.scope}`]);
  csv.write([`# ${CITATION}`]);
  csv.write([`# Generated ${pack.generatedAt.toISOString()} by ${pack.generatedBy}`]);
  csv.write([...EVIDENCE_COLUMNS]);
  const pacer = new Pacer();
  for (const l of pack.lines) {
    await pacer.pace();
    csv.write([l.employeeId, l.name, l.email, l.status, l.course, l.cycle, l.completedOn, l.validUntil, l.source, l.score, l.contentVersion, l.attestation, l.certificate, l.courseId, l.assignment].map(neutralise));
  }
  if (pack.policies) for (const r of policyCsvRows(pack.policies)) csv.write(r[0]!.startsWith('# ') ? r : r.map(neutralise));
  await new Promise<void>((resolve) => { csv.end(() => resolve()); });
}

/**
 * A paginated, tagged PDF of the same lines, with the regulatory citation and who generated it.
 *
 * Laid out a slice of rows at a time (see Pacer), and each page is written out as soon as it is full
 * and each row's structure element as soon as it is laid out: a department's pack is seconds of layout
 * work, and done in one go (or with every page held back to number them "of N" at the end) it held
 * every other request for that long, several packs at once for several times as long. So pages say
 * "Page i", and the last line states how many pages and lines the pack has.
 */
export async function writeEvidencePdf(pack: EvidencePack, out: Writable): Promise<void> {
  const pacer = new Pacer();
  const doc = new PDFDocument({
    size: 'LETTER', layout: 'landscape', margin: 40, tagged: true, lang: 'en-US', displayTitle: true,
    info: { Title: `${pack.title}: ${pack.scope}`, Author: pack.orgName, Subject: 'HIPAA workforce training evidence', Creator: 'Privacy Rounds', CreationDate: pack.generatedAt },
  });
  // pdfkit emits every PDF object as a chunk of its own, tens of thousands for a department; written to
  // the response one at a time they cost more than the layout, so they are passed on in 64 KB pieces.
  let parts: Buffer[] = [];
  let size = 0;
  const flush = () => {
    if (size > 0) out.write(Buffer.concat(parts, size));
    parts = [];
    size = 0;
  };
  doc.on('data', (chunk: Buffer) => {
    parts.push(chunk);
    size += chunk.length;
    if (size >= 64 * 1024) flush();
  });
  const written = new Promise<void>((resolve) => doc.once('end', () => { flush(); out.end(); resolve(); }));
  // Parsed once per process (see documentFonts): parsing the font files again for each pack held the
  // event loop at its start, and the shared decoded tables make layout faster.
  const fonts = new DocumentFonts();
  doc.registerFont('body', fonts.get('latin', 'regular'));
  doc.registerFont('bold', fonts.get('latin', 'bold'));
  const root = doc.struct('Document');
  doc.addStructure(root);
  const add = (type: 'H1' | 'P', draw: () => void) => {
    const element = doc.struct(type, {}, draw);
    root.add(element);
    element.end();
  };
  const para = (type: 'H1' | 'P', text: string, font: 'body' | 'bold', size: number) =>
    add(type, () => { doc.font(font).fontSize(size).fillColor('#1b1f24').text(text, { width: 712 }); });
  const generated = pack.generatedAt.toISOString();
  const day = formatDate(generated, pack.timeZone);
  let pages = 1;
  const footer = () => {
    // Below the bottom margin, which would otherwise start a new page for it.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.markContent('Artifact', { type: 'Pagination' });
    doc.font('body').fontSize(8).fillColor('#4a5562').text(`Page ${pages} · ${day}`, 40, 585, { width: 712, align: 'right', lineBreak: false });
    doc.endMarkedContent();
    doc.page.margins.bottom = margin;
  };
  if (pack.logo) {
    drawLogo(doc, pack.logo, 40, 40, 120, 36);
    doc.y = 82;
  }
  para('H1', `${pack.orgName}: ${pack.title}`, 'bold', 18);
  para('P', pack.scope, 'bold', 12);
  para('P', CITATION, 'body', 10);
  para('P', `Generated ${formatDateTime(generated, pack.timeZone)} by ${pack.generatedBy}. ${pack.people} people, ${pack.lines.length} lines.`, 'body', 10);
  doc.moveDown();
  const cols: [string, keyof EvidenceLine, number][] = [
    ['Employee', 'employeeId', 60], ['Name', 'name', 95], ['Course', 'course', 95], ['Completed', 'completedOn', 62], ['Valid until', 'validUntil', 62],
    ['How', 'source', 52], ['Score', 'score', 34], ['Content', 'contentVersion', 55], ['Attestation', 'attestation', 120], ['Certificate', 'certificate', 77],
  ];
  // The lowest a line of text may reach: the bottom margin. Anything that would pass it goes on a new
  // page first, so pdfkit never breaks a page by itself in the middle of a row (which left pages empty).
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const newPage = () => {
    footer();
    doc.addPage();
    pages += 1;
  };
  const latin = fonts.get('latin', 'regular');
  // Cells DejaVu cannot print alone (CJK) or that read right to left go through the font fallback and
  // bidi layout of the certificates; the rest keep pdfkit's own, faster, text layout.
  // Most cells are ASCII or Latin-1 (dates, codes, most names), which DejaVu covers: no per-character look-up.
  const covered = new Map<number, boolean>();
  const inLatin = (cp: number) => {
    let has = covered.get(cp);
    if (has === undefined) covered.set(cp, (has = latin.hasGlyphForCodePoint(cp)));
    return has;
  };
  const needsFallback = (s: string) => !PLAIN.test(s) && (RTL.test(s) || [...s].some((ch) => !inLatin(ch.codePointAt(0)!)));
  const SIZE = 7.5;
  const row = (cells: string[], bold: boolean) => {
    const face = bold ? 'bold' : 'regular';
    doc.font(bold ? 'bold' : 'body').fontSize(SIZE);
    const laid = cells.map((c, i) => {
      const width = cols[i]![2] - 4;
      if (!needsFallback(c)) return { text: c, width, height: doc.heightOfString(c, { width }) };
      const lines = wrap(fonts, face, c, SIZE, width);
      return { text: c, width, lines, height: heightOf(fonts, face, lines, SIZE) };
    });
    const height = Math.max(...laid.map((c) => c.height));
    if (doc.y + height > bottom()) newPage();
    const top = doc.y;
    let x = 40;
    add('P', () => {
      // Font and colour set once per row (each setting is written into the page), again only after a
      // cell drawn through the fallback, which changes them.
      let set = false;
      for (const [i, c] of laid.entries()) {
        if (c.lines) {
          // Left-aligned like every other cell of this left-to-right table, right-to-left names included.
          drawLines(doc, fonts, face, c.lines, SIZE, x, top, c.width, 'left');
          set = false;
        } else {
          if (!set) doc.font(bold ? 'bold' : 'body').fontSize(SIZE).fillColor('#1b1f24');
          set = true;
          doc.text(c.text, x, top, { width: c.width });
        }
        x += cols[i]![2];
      }
    });
    doc.y = top + height + 4;
    doc.x = 40;
  };
  row(cols.map((c) => c[0]), true);
  for (const l of pack.lines) {
    await pacer.pace();
    row(cols.map((c) => l[c[1]]), false);
  }
  if (pack.policies) {
    doc.moveDown();
    drawPolicySection(pack.policies, (text, font, size) => {
      doc.font(font).fontSize(size);
      if (doc.y + doc.heightOfString(text, { width: 712 }) > bottom()) newPage();
      para('P', text, font, size);
    }, pack.timeZone);
  }
  doc.moveDown();
  doc.font('body').fontSize(10);
  const closingHeight = doc.heightOfString(`End of the evidence: ${pack.lines.length} lines on ${pages + 1} pages.`, { width: 712 });
  if (doc.y + closingHeight > bottom()) newPage();
  para('P', `End of the evidence: ${pack.lines.length} lines on ${pages} pages.`, 'body', 10);
  footer();
  root.end();
  doc.end();
  await written;
}
