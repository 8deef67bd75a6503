import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

export const FIXTURE_CONTENT = path.join(__dirname, '..', 'fixtures', 'content');

/** A private copy of the fixture content that a test may change. */
export function copyFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-content-'));
  fs.cpSync(FIXTURE_CONTENT, dir, { recursive: true });
  return dir;
}

/** Reads a YAML file of a content copy, lets the test change it, and writes it back. */
export function mutateYaml(dir: string, rel: string, change: (doc: Record<string, unknown>) => void): void {
  const file = path.join(dir, 'courses', 'mini', rel);
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(doc);
  fs.writeFileSync(file, YAML.stringify(doc));
}

/** A content folder whose one course ("spot") opens and ends its lesson with a spot-the-PHI scene. */
export const SPOT_FIXTURE_CONTENT = path.join(__dirname, '..', 'fixtures', 'content-spot');
