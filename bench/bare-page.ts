import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { CertificateData } from '../server/certificates/render';
import { documentFonts, FONT, FONT_BOLD } from '../server/certificates/fonts';

/**
 * The same content as a certificate (server/certificates/render.ts) on a bare pdfkit page: the same text
 * lines in the same faces (DejaVu Sans, and DejaVu Sans Bold for the lines ours sets in bold, both
 * embedded and subset), sizes and positions, the border, and the QR code as one square per dark module
 * in one fill. No structure tree, marked content, metadata, language or viewer preferences: that is what
 * "bare" leaves out. Fonts are handed over as the TTF bytes, as the pdfkit docs show, unless `preParsed`:
 * then it gets the same once-parsed fonts ours uses (documentFonts), which shows what the tagging and the
 * rest of ours cost on their own.
 */
export function barePage(d: CertificateData, out: Writable, preParsed = false): void {
  const doc = new PDFDocument({ size: 'LETTER', layout: 'landscape', margin: 0 });
  doc.pipe(out);
  const fonts = preParsed ? documentFonts() : { regular: FONT, bold: FONT_BOLD };
  doc.registerFont('body', fonts.regular).registerFont('bold', fonts.bold);
  doc.lineWidth(3).strokeColor('#084582').rect(24, 24, 744, 564).stroke();
  doc.lineWidth(1).strokeColor('#0b5cab').rect(32, 32, 728, 548).stroke();
  const how = d.how;
  type Line = [string, 'body' | 'bold', number, number, string?];
  const lines: Line[] = [
    [d.orgName, 'bold', 16, 62, '#084582'], ['Certificate of Completion', 'bold', 30, 92], ['This certifies that', 'body', 13, 148],
    [d.learnerName, 'bold', 28, 170], ['has completed the training', 'body', 13, 216], [d.courseTitle, 'bold', 18, 238],
    [`Course version ${d.courseVersion}${d.contentHash ? ` · content ${d.contentHash.slice(0, 12)}` : ''}`, 'body', 10, 268, '#4a5562'],
    [`Completed on ${d.completedOn}   ·   Valid until ${d.validUntil}`, 'body', 12, 296], [how, 'body', 12, 316],
    ...(d.attestation ? [[d.attestation, 'body', 12, 336] satisfies Line] : []),
  ];
  for (const [str, font, size, y, color] of lines) doc.font(font).fontSize(size).fillColor(color ?? '#1b1f24').text(str, 60, y, { width: 672, align: 'center' });
  doc.fillColor('#ffffff').rect(60, 430, 118, 118).fill();
  const qr = QRCode.create(d.verifyUrl, { errorCorrectionLevel: 'M' });
  const cell = 118 / (qr.modules.size + 8);
  doc.fillColor('#000000');
  for (let r = 0; r < qr.modules.size; r += 1) {
    for (let c = 0; c < qr.modules.size; c += 1) if (qr.modules.get(r, c)) doc.rect(60 + (c + 4) * cell, 430 + (r + 4) * cell, cell, cell);
  }
  doc.fill();
  doc.font('bold').fontSize(12).fillColor('#1b1f24').text(`Certificate code: ${d.code}`, 196, 450, { width: 520 });
  doc.font('body').fontSize(11).text(`Check this certificate at ${d.verifyUrl}`, 196, 474, { width: 520 });
  doc.fontSize(9).fillColor('#4a5562').text('Training records are kept for six years (45 CFR 164.530(j)). Training on privacy policies: 45 CFR 164.530(b).', 196, 510, { width: 520 });
  doc.end();
}
