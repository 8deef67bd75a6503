import type { Command } from 'commander';
import type { Composed } from '../compose';

// SCIM bearer tokens from the command line (issue 18): made here, shown once, revoked here. The
// server itself has no page for them, so no token ever passes through a browser.

const CLI_ACTOR = { id: null, label: 'cli' };
type WithServices = <T>(fn: (services: Composed, baseUrl: string) => Promise<T>) => Promise<T>;

export function addScimCommands(program: Command, withServices: WithServices): void {
  const token = program.command('scim:token').description('bearer tokens for SCIM provisioning (Entra ID, Okta)');

  token.command('create').description('make a token for an identity provider; it is printed once and stored only as a hash')
    .requiredOption('--name <name>', 'who uses it, shown in the audit log as scim:<name> (for example entra)')
    .action(async (o: { name: string }) => withServices(async (s, baseUrl) => {
      const { id, token: value } = await s.scimTokens.create(CLI_ACTOR, o.name);
      console.log(`SCIM token ${id} (${o.name.trim()}) created. Copy it now; it is not shown again.`);
      console.log(`  Tenant URL: ${baseUrl}/scim/v2`);
      console.log(`  Secret token: ${value}`);
    }));

  token.command('list').description('list the tokens (never the tokens themselves)')
    .action(async () => withServices(async (s) => {
      const rows = await s.scimTokens.list();
      if (rows.length === 0) console.log('No SCIM tokens.');
      for (const r of rows) {
        console.log(`${r.id}\t${r.name}\tcreated ${r.created_at} by ${r.created_by}\t${r.revoked_at ? `revoked ${r.revoked_at}` : 'active'}\tlast used ${r.last_used_at ?? 'never'}`);
      }
    }));

  token.command('revoke').description('stop a token from working at once')
    .argument('<id>', 'the token id (see scim:token list)')
    .action(async (id: string) => withServices(async (s) => {
      const row = await s.scimTokens.revoke(CLI_ACTOR, /^[1-9]\d{0,9}$/.test(id) ? Number(id) : 0);
      console.log(`SCIM token ${row.id} (${row.name}) revoked.`);
    }));
}
