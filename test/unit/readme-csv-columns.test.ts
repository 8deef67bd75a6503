import fs from 'node:fs';
import path from 'node:path';
import { EXPORT_COLUMNS } from '../../server/reports/csv-export';
import { EVIDENCE_COLUMNS } from '../../server/reports/evidence';

// Hospitals import the CSVs into spreadsheets that read columns by position, so the README's lists are
// part of the contract: they must name every column, in the order the files have them.
const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const names = (text: string) => [...text.matchAll(/`([a-z_0-9]+)`/g)].map((m) => m[1]);

test('the README\'s report CSV table lists every column in the export\'s order', () => {
  const table = /The CSV has these columns[\s\S]*?\n\n(\| column \|[\s\S]*?)\n\n/.exec(readme)?.[1];
  expect(table).toBeDefined();
  const firstCells = table!.split('\n').slice(2).map((row) => row.split('|')[1] ?? '');
  expect(firstCells.flatMap(names)).toEqual([...EXPORT_COLUMNS]);
});

test('the README lists the evidence CSV\'s columns in the file\'s order', () => {
  const list = /The evidence CSV starts[\s\S]*?these columns in this order:([\s\S]*?)\. After the lines/.exec(readme)?.[1];
  expect(list).toBeDefined();
  expect(names(list!)).toEqual([...EVIDENCE_COLUMNS]);
});
