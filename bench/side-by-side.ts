import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../server/paths';

// npm run bench's results: one row per measure, one column per engine, in the order first measured.
// A measure made on one engine only shows "—" in the other's column.

export type Engine = 'sqlite' | 'postgres';

export interface Row { what: string; sqlite: string; postgres: string; target: string }

export class SideBySide {
  private readonly rows = new Map<string, Row>();

  /** One engine's result; `met` null when the measure has no target. */
  record(engine: Engine, what: string, value: string, target: string, met: boolean | null): void {
    const row = this.rows.get(what) ?? { what, sqlite: '—', postgres: '—', target };
    row[engine] = met === null ? value : `${value} ${met ? '✓' : '✗ (target not met)'}`;
    if (target) row.target = target;
    this.rows.set(what, row);
    console.log(`[${engine}] ${what}: ${value}`);
  }

  table(): string {
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    return ['| what | SQLite | PostgreSQL | target |', '| --- | --- | --- | --- |',
      ...[...this.rows.values()].map((r) => `| ${cell(r.what)} | ${cell(r.sqlite)} | ${cell(r.postgres)} | ${cell(r.target)} |`)].join('\n');
  }

  /** The table on the console and everything, rows included, as JSON in bench/results/. */
  report(json: Record<string, unknown>): void {
    console.log(`\n${this.table()}\n`);
    const dir = path.join(projectRoot, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `bench-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify({ ...json, rows: [...this.rows.values()] }, null, 2));
    console.log(`JSON: ${path.relative(projectRoot, file)}`);
  }
}
