import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { FONT, FONT_BOLD } from './fonts';

export interface CertificateData {
  orgName: string;
  learnerName: string;
  courseTitle: string;
  courseVersion: string;
  contentHash: string | null;
  completedOn: string; // display form, e.g. "14 Dec 2026"
  validUntil: string;
  score: number | null;
  attestation: string | null; // e.g. "Attested to Social Media and Patient Privacy Policy v1.0 on 14 Dec 2026"
  source: 'quiz' | 'in-person' | 'import';
  code: string;
  verifyUrl: string;
  issuedAt: Date;
}

const W = 792; // US Letter landscape, points
const H = 612;

/** Draws the QR code as vector squares: crisp at any zoom, no image decoding. */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const cell = size / (n + 8);
  doc.save().rect(x, y, size, size).fill('#ffffff');
  doc.fillColor('#000000');
  for (let r = 0; r < n; r += 1) {
    for (let c = 0; c < n; c += 1) {
      if (qr.modules.get(r, c)) doc.rect(x + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
    }
  }
  doc.fill().restore();
}

/**
 * Renders a certificate as a tagged PDF (structure tree for screen readers). A pure function of its
 * data: the same certificate renders to the same text every time.
 */
export function renderCertificate(data: CertificateData, out: Writable): void {
  const doc = new PDFDocument({
    size: 'LETTER', layout: 'landscape', margin: 0, tagged: true, lang: 'en-US', displayTitle: true, pdfVersion: '1.7',
    info: {
      Title: `Certificate of completion: ${data.courseTitle} — ${data.learnerName}`,
      Author: data.orgName,
      Subject: `Certificate ${data.code}`,
      Keywords: `HIPAA; privacy training; certificate; ${data.code}`,
      Creator: 'Privacy Rounds',
      Producer: 'Privacy Rounds',
      CreationDate: data.issuedAt,
      ModDate: data.issuedAt,
    },
  });
  doc.pipe(out);
  doc.registerFont('body', FONT);
  doc.registerFont('bold', FONT_BOLD);

  // The border is decoration: marked as an artifact so screen readers skip it.
  doc.markContent('Artifact', { type: 'Layout' });
  doc.lineWidth(3).strokeColor('#084582').rect(24, 24, W - 48, H - 48).stroke();
  doc.lineWidth(1).strokeColor('#0b5cab').rect(32, 32, W - 64, H - 64).stroke();
  doc.endMarkedContent();
  const root = doc.struct('Document');
  doc.addStructure(root);

  const text = (type: 'H1' | 'H2' | 'P', str: string, font: 'body' | 'bold', size: number, y: number, color = '#1b1f24') => {
    root.add(doc.struct(type, {}, () => {
      doc.font(font).fontSize(size).fillColor(color).text(str, 60, y, { width: W - 120, align: 'center' });
    }));
  };

  text('P', data.orgName, 'bold', 16, 62, '#084582');
  text('H1', 'Certificate of Completion', 'bold', 30, 92);
  text('P', 'This certifies that', 'body', 13, 148);
  text('H2', data.learnerName, 'bold', 28, 170);
  text('P', 'has completed the training', 'body', 13, 216);
  text('H2', data.courseTitle, 'bold', 18, 238);
  const version = `Course version ${data.courseVersion}${data.contentHash ? ` · content ${data.contentHash.slice(0, 12)}` : ''}`;
  text('P', version, 'body', 10, 268, '#4a5562');

  const how = data.source === 'in-person' ? 'Recorded by an administrator for an in-person session'
    : data.source === 'import' ? 'Imported from an earlier training record' : `Quiz score ${data.score ?? '—'}%`;
  const lines = [`Completed on ${data.completedOn}   ·   Valid until ${data.validUntil}`, how, ...(data.attestation ? [data.attestation] : [])];
  let y = 296;
  for (const line of lines) {
    text('P', line, 'body', 12, y);
    y += 20;
  }

  root.add(doc.struct('Figure', { alt: `QR code linking to ${data.verifyUrl}` }, () => drawQr(doc, data.verifyUrl, 60, 430, 118)));
  root.add(doc.struct('P', {}, () => {
    doc.font('bold').fontSize(12).fillColor('#1b1f24').text(`Certificate code: ${data.code}`, 196, 450, { width: 520 });
    doc.font('body').fontSize(11).text(`Check this certificate at ${data.verifyUrl}`, 196, 474, { width: 520 });
    doc.fontSize(9).fillColor('#4a5562').text(
      'Training records are kept for six years (45 CFR 164.530(j)). Training on privacy policies: 45 CFR 164.530(b).',
      196, 510, { width: 520 },
    );
  }));
  root.end();
  doc.end();
}
