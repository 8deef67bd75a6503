import crypto from 'node:crypto';
import { reportFailure } from '../../server/cli';
import { useCli } from '../helpers/cli';

// scim:token create / list / revoke against a real database file: the token is printed once and stored
// only as its SHA-256; list never prints it; revoke is conditional and audited; bad input exits 1.
const cli = useCli('pr-cli-scim-');
const { run } = cli;

test('scim:token create prints the tenant URL and the token once; only its hash is stored; list and revoke; each change audited as the CLI', async () => {
  await run('scim:token', 'create', '--name', 'entra');
  expect(cli.out[0]).toBe('SCIM token 1 (entra) created. Copy it now; it is not shown again.');
  expect(cli.out[1]).toBe('  Tenant URL: https://training.riverside.example/scim/v2');
  const token = /^ {2}Secret token: (prscim_[A-Za-z0-9_-]{43})$/.exec(cli.out[2]!)?.[1];
  expect(token).toBeDefined();

  const database = cli.openDatabase();
  try {
    const rows = await database.db.selectFrom('scim_tokens').selectAll().execute();
    expect(rows).toEqual([expect.objectContaining({ id: 1, name: 'entra', created_by: 'cli', revoked_at: null, last_used_at: null, token_hash: crypto.createHash('sha256').update(token!).digest('hex') })]);
  } finally {
    await database.close();
  }

  cli.out.length = 0;
  await run('scim:token', 'list');
  expect(cli.out).toHaveLength(1);
  expect(cli.out[0]).toMatch(/^1\tentra\tcreated \S+ by cli\tactive\tlast used never$/);
  expect(cli.out.join('\n')).not.toContain(token!.slice(7));

  cli.out.length = 0;
  await run('scim:token', 'revoke', '1');
  expect(cli.out).toEqual(['SCIM token 1 (entra) revoked.']);
  const again = await run('scim:token', 'revoke', '1').catch((e: unknown) => e);
  expect(reportFailure(again)).toBe(1);
  expect(cli.err.at(-1)).toBe('SCIM token 1 (entra) was already revoked.');
  const missing = await run('scim:token', 'revoke', 'abc').catch((e: unknown) => e);
  expect(reportFailure(missing)).toBe(1);
  expect(cli.err.at(-1)).toBe('There is no SCIM token 0.');
  const unnamed = await run('scim:token', 'create', '--name', '   ').catch((e: unknown) => e);
  expect(reportFailure(unnamed)).toBe(1);
  expect(cli.err.at(-1)).toMatch(/Give the token a name/);

  cli.out.length = 0;
  await run('scim:token', 'list');
  expect(cli.out[0]).toMatch(/\trevoked \S+\t/);
  const check = cli.openDatabase();
  try {
    const events = await check.db.selectFrom('audit_events').select(['action', 'actor_label']).where('action', 'like', 'scim.%').orderBy('id').execute();
    expect(events).toEqual([{ action: 'scim.token_created', actor_label: 'cli' }, { action: 'scim.token_revoked', actor_label: 'cli' }]);
  } finally {
    await check.close();
  }
});
