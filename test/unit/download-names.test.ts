import { asciiFileName, attachment, cleanFileName } from '../../server/http/content-disposition';
import { parseReportQuery } from '../../server/reports/filters';
import { evidenceFileName, reportCsvFileName } from '../../server/reports/file-names';
import { Catalogue } from '../../server/content/catalogue';
import { loadCatalogue } from '../../server/content/loader';
import { downloadName } from '../helpers/download-name';
import path from 'node:path';

// Download names (issue 14): descriptive, and safe for any name a person or department may have.

const DAY = '2026-12-02';

describe('Content-Disposition for any file name', () => {
  test.each([
    ['a department', evidenceFileName('Nursing/ICU', DAY, 'pdf'), 'evidence-Nursing-ICU-2026-12-02.pdf', 'evidence-Nursing-ICU-2026-12-02.pdf'],
    ['a Spanish name', evidenceFileName('María Fernández-Villanueva', DAY, 'pdf'), 'evidence-María-Fernández-Villanueva-2026-12-02.pdf', 'evidence-Maria-Fernandez-Villanueva-2026-12-02.pdf'],
    ['a Vietnamese name', evidenceFileName('Nguyễn Thị Ánh', DAY, 'csv'), 'evidence-Nguyễn-Thị-Ánh-2026-12-02.csv', 'evidence-Nguyen-Thi-Anh-2026-12-02.csv'],
    ['a Chinese name', evidenceFileName('王秀英', DAY, 'pdf'), 'evidence-王秀英-2026-12-02.pdf', 'evidence-2026-12-02.pdf'],
    ['an Arabic name', evidenceFileName('ليلى عبد الله', DAY, 'pdf'), 'evidence-ليلى-عبد-الله-2026-12-02.pdf', 'evidence-2026-12-02.pdf'],
  ])('%s: the UTF-8 name is kept and the ASCII stand-in is readable', (_what, name, utf8, ascii) => {
    expect(downloadName(attachment(name))).toEqual({ utf8, ascii });
  });

  test.each([
    ['quotes and a header break', 'evidence-"x"\r\nSet-Cookie: a=b-2026-12-02.pdf'],
    ['a path', evidence('../../etc/passwd')],
    ['backslashes and Windows-reserved characters', evidence('C:\\Users\\*?<>|')],
    ['a right-to-left override that disguises the extension', evidence('invoice\u202Efdp.exe')],
    ['zero-width and control characters', evidence('a\u200Bb\u0000c\u0007d')],
    ['only punctuation', evidence('"""///')],
    ['a 600-character name', evidence('Ω'.repeat(600))],
  ])('%s: the header stays one well-formed header and no unsafe character survives', (_what, name) => {
    const header = attachment(name);
    expect(header).not.toMatch(/[\r\n\0]/);
    const { utf8, ascii } = downloadName(header);
    for (const n of [utf8, ascii]) {
      expect(n).not.toMatch(/[\\/:*?"<>|\p{Cc}\p{Cf}]/u);
      expect(n.startsWith('.')).toBe(false);
      expect([...n].length).toBeLessThanOrEqual(150);
    }
    expect(ascii).toMatch(/^[\x20-\x7e]+$/);
    expect(utf8.endsWith('.pdf')).toBe(true);
    expect(ascii.endsWith('.pdf')).toBe(true);
  });

  test('nothing left of a name still gives a file name', () => {
    expect(cleanFileName('///')).toBe('download');
    expect(asciiFileName('王秀英.pdf')).toBe('download.pdf');
  });
});

function evidence(about: string): string {
  return evidenceFileName(about, DAY, 'pdf');
}

describe('report export names say which filters made them', () => {
  const catalogue: Catalogue = loadCatalogue(path.join(__dirname, '..', '..', 'content'));
  const q = (query: Record<string, string | string[]>) => parseReportQuery(query, catalogue, DAY);

  test.each([
    [{}, undefined, 'training-report-all-2026-12-02.csv'],
    [{ status: ['overdue', 'expired'] }, 'Nursing/ICU', 'training-report-Nursing-ICU-overdue-expired-2026-12-02.csv'],
    [{ role: 'manager', cycle: 'annual-2027' }, undefined, 'training-report-manager-annual-2027-2026-12-02.csv'],
    [{ due_from: '2026-12-01', q: 'Lee' }, undefined, 'training-report-due-from-2026-12-01-matching-Lee-2026-12-02.csv'],
  ])('%j in %s → %s', (query, department, expected) => {
    expect(reportCsvFileName({ query: q(query), department, day: DAY })).toBe(expected);
  });
});
