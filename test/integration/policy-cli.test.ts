import fs from 'node:fs';
import path from 'node:path';
import { policyTextHash } from '../../server/policies/hash';
import { useCli } from '../helpers/cli';

// Issue 16: policy:publish, the scripted equivalent of the admin's publish form, against a fresh data folder.
const cli = useCli('pr-policy-cli-');
const { run } = cli;
const versions = async () => {
  const database = cli.openDatabase();
  try {
    return await database.db.selectFrom('policy_versions').select(['label', 'title', 'text', 'text_hash', 'change_kind', 'change_note', 'min_read_seconds']).orderBy('seq').execute();
  } finally { await database.close(); }
};

test('policy:publish publishes a Markdown file as a material change, then a correction; the text is stored exactly with its hash', async () => {
  const file = path.join(cli.dir, 'conduct.md');
  fs.writeFileSync(file, '# Conduct\r\n\r\nNever post photos taken on a ward.\r\n');
  await run('policy:publish', '--file', file, '--slug', 'conduct', '--title', 'Code of Conduct', '--label', '1', '--material', '--note', 'First version.', '--min-read-seconds', '90');
  expect(cli.out.join('\n')).toContain('Published conduct version 1 (material change: everyone signs again)');
  fs.writeFileSync(file, '# Conduct\n\nNever post photos taken on a ward or in a clinic.\n');
  await run('policy:publish', '--file', file, '--slug', 'conduct', '--title', 'Code of Conduct', '--label', '1.1', '--correction', '--note', 'Clinics too.');
  const rows = await versions();
  expect(rows.map((v) => [v.label, v.change_kind, v.change_note, v.min_read_seconds, v.text])).toEqual([
    ['1', 'material', 'First version.', 90, '# Conduct\n\nNever post photos taken on a ward.'],
    ['1.1', 'correction', 'Clinics too.', null, '# Conduct\n\nNever post photos taken on a ward or in a clinic.'],
  ]);
  for (const v of rows) expect(v.text_hash).toBe(policyTextHash(v));
});

test('policy:publish refuses bad input with a clear message and publishes nothing', async () => {
  const file = path.join(cli.dir, 'conduct.md');
  fs.writeFileSync(file, 'Be kind.');
  const base = ['--file', file, '--slug', 'conduct', '--title', 'Code of Conduct', '--label', '1', '--note', 'First.'];
  await expect(run('policy:publish', ...base)).rejects.toThrow(/Say --material .* or --correction/);
  await expect(run('policy:publish', ...base, '--material', '--correction')).rejects.toThrow(/one of them/);
  await expect(run('policy:publish', ...base, '--correction')).rejects.toThrow(/first version of a policy is one everyone must sign/);
  await expect(run('policy:publish', ...base.map((a) => (a === 'conduct' ? 'Code Of Conduct' : a)), '--material')).rejects.toThrow(/slug: Use lower-case letters/);
  await expect(run('policy:publish', ...base.map((a) => (a === file ? path.join(cli.dir, 'missing.md') : a)), '--material')).rejects.toThrow(/Cannot read/);
  expect(await versions()).toEqual([]);
});
