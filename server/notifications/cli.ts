import type { Command } from 'commander';
import type { Composed } from '../compose';
import { isRealDate } from '../dates';
import { fail } from '../errors';

type WithServices = <T>(fn: (services: Composed, baseUrl: string) => Promise<T>) => Promise<T>;

/** `notifications:run [--as-of YYYY-MM-DD] [--dry-run]`: the scheduler's run by hand, printing each message. */
export function addNotificationCommands(program: Command, withServices: WithServices): void {
  program.command('notifications:run').description('plan reminders, digests and certificates into the outbox now (sending is the outbox\'s job)')
    .option('--as-of <day>', 'plan this day (YYYY-MM-DD) at the first send hour, instead of now')
    .option('--dry-run', 'print what would be queued and write nothing')
    .action(async (opts: { asOf?: string; dryRun?: boolean }) => {
      if (opts.asOf !== undefined && !isRealDate(opts.asOf)) fail('invalid', '--as-of must be a real date written YYYY-MM-DD.');
      await withServices(async ({ notifications }) => {
        const r = await notifications.run({ ...(opts.asOf ? { asOf: opts.asOf } : {}), dryRun: opts.dryRun === true });
        if (!r.inSendHours) {
          console.log(`It is ${r.moment.hour}:00 on ${r.moment.day}, outside the send hours: nothing was planned.`);
          return;
        }
        // Addresses and subjects only: bodies may hold a set-password link, and names are enough to check a run.
        for (const m of r.messages) console.log(`${m.stage}\t${m.to}${m.cc.length ? ` (cc ${m.cc.join(', ')})` : ''}\t${m.subject}\t${m.key}`);
        const who = `${r.people} ${r.people === 1 ? 'person' : 'people'}`;
        console.log(opts.dryRun
          ? `Dry run for ${r.moment.day}: ${r.planned} messages would be queued for ${who}; nothing was written.`
          : `${r.moment.day}: ${r.planned} messages planned for ${who}; ${r.created} new in the outbox (the rest were queued before).`);
      });
    });
}
