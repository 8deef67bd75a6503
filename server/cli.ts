import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { anchorLine, appendAnchor, currentAnchor, parseAnchors, type Anchor } from './audit/anchor';
import { useAuditKeys } from './audit/keyring';
import { sealUnkeyedEvents } from './audit/seal';
import { appendAudit, verifyAuditChain } from './audit/service';
import { backupTo, restoreFrom } from './db/backup';
import { passwordProblem } from './auth/password-rules';
import { createAdminWithPassword } from './users/first-admin';
import { systemClock } from './clock';
import { decodeUtf8 } from './csv';
import { fail, RuleError } from './errors';
import { compose, type Composed } from './compose';
import { seedDemo } from './demo/seed';
import { ConfigError, loadConfig, loadEnvFile, type Config } from './config';
import type { Database } from './db/database';
import { openConfigured } from './db/open';
import { ensurePrivateDir } from './files';
import { migrateToLatest } from './db/migrate';
import { ContentError, loadCatalogue } from './content/loader';
import { checkAuthoring, DEFAULT_AUTHORING_OPTIONS } from './authoring-check';
import { importUsers, parseUserCsv } from './users/import';
import { issuePasswordLink, saveUser } from './users/service';
import { isRealDate } from './dates';
import { userFields } from './users/fields';
import { purgeBefore } from './training/retention';
import { userStore } from './users/store';
import { addAssignmentCommands } from './assignments/cli';
import { addNotificationCommands } from './notifications/cli';
import { addScimCommands } from './identity/cli';
import { addDbCopyCommand } from './db-copy/cli';
import { parseForm } from './http/validate';
import { publishForm } from './policies/admin-requests';

const CLI_ACTOR = { id: null, label: 'cli' };

/** What the CLI says after queuing invitations: it queues them, the server's outbox sends them. */
const INVITATION_NOTE = 'Invitation e-mails are queued in the outbox; the running server sends them (with SMTP_URL set), each with a link of its own that, once sent, ends the links above.';
/** backup and restore copy the SQLite file; on PostgreSQL the server's own tools do it (README "Backups on PostgreSQL"). */
const PG_BACKUP = 'DATABASE_URL is set: the database is PostgreSQL, and backup and restore here copy the SQLite file only. '
  + 'Back up with pg_dump (pg_dump --format=custom --file=privacy-rounds.dump "$DATABASE_URL") and restore into an empty database '
  + 'with pg_restore (pg_restore --dbname="$DATABASE_URL" --no-owner privacy-rounds.dump). Nothing was changed.';

/** Applies pending migrations; a log that just gained audit keys gets its older events sealed. */
async function migrate(database: Database): Promise<string[]> {
  const applied = await migrateToLatest(database.db);
  await sealUnkeyedEvents(database.db, systemClock, applied);
  return applied;
}

/** Opens the configured database with every migration applied, runs fn, always closes. */
async function withDatabase<T>(fn: (database: Database, baseUrl: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  useAuditKeys(config.auditKeys);
  const database = openPrivately(config);
  try {
    await migrate(database);
    return await fn(database, config.baseUrl);
  } finally {
    await database.close();
  }
}

/** Like withDatabase, with every service built by compose (the commands that write training records or people). */
export async function withServices<T>(fn: (services: Composed, baseUrl: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const services = compose(config, { database: openPrivately(config), clock: systemClock });
  try {
    await migrate(services.database);
    return await fn(services, (await services.settings.current()).baseUrl);
  } finally {
    await services.close();
  }
}

/** DATA_DIR made or tightened to 0700 first (a warning if it belongs to another account), then the database. */
function openPrivately(config: Config): Database {
  // DATA_DIR still holds the audit key and session secret on PostgreSQL.
  const warning = ensurePrivateDir(config.dataDir);
  if (warning) console.error(warning);
  return openConfigured(config);
}

function readUtf8File(file: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    fail('invalid', `Cannot read ${file}: ${(e as Error).message}`);
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) fail('invalid', `${file} is not UTF-8 text.`);
  return text;
}

function readAnchors(file: string): Anchor[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail('invalid', `Cannot read the anchor file ${file}: ${(e as Error).message}`);
  }
  const anchors = parseAnchors(text);
  if (!anchors.length) fail('invalid', `${file} holds no audit anchor lines (written by audit:anchor).`);
  return anchors;
}

function readStdin(): string {
  return fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

export function buildCli(): Command {
  const program = new Command('privacy-rounds').description('Operator commands for Privacy Rounds').exitOverride();

  program.command('db:migrate').description('apply pending database migrations').action(async () => {
    const config = loadConfig();
    useAuditKeys(config.auditKeys);
    const database = openPrivately(config);
    try {
      const applied = await migrate(database);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    } finally {
      await database.close();
    }
  });

  program.command('admin:create')
    .description('create an admin (or make an existing person admin); a new admin without --password-stdin also gets the invitation e-mail, queued like the web screen\'s')
    .requiredOption('--email <email>', 'their email address')
    .requiredOption('--name <name>', 'their full name')
    .option('--password-stdin', 'read a password from standard input instead of printing a set-password link (no invitation is queued)')
    .action(async (opts: { email: string; name: string; passwordStdin?: boolean }) => {
      const fields = userFields.safeParse({ employee_id: '', email: opts.email, name: opts.name, role: 'admin', department: '', manager_email: '', hire_date: '', job_code: '', job_title: '' });
      if (!fields.success) fail('invalid', fields.error.issues.map((i) => i.message).join(' '));
      await withServices(async ({ uow, notifications }, baseUrl) => {
        if (opts.passwordStdin) {
          const password = readStdin();
          const problem = passwordProblem(password, { email: fields.data.email });
          if (problem) fail('invalid', problem);
          await uow((trx) => createAdminWithPassword(trx, systemClock, 'cli', { ...fields.data, password }));
          console.log(`Admin ${fields.data.email} is ready; they can sign in now.`);
          return;
        }
        // As on the admin screen: a new person's invitation is queued in the unit of work that creates them.
        const invite = await notifications.inviter();
        const { token, invited } = await uow(async (trx) => {
          const existing = await userStore(trx).byEmail(fields.data.email);
          const { user, change } = await saveUser(trx, systemClock, CLI_ACTOR, existing, {
            ...fields.data, employee_id: existing?.employee_id ?? null, hire_date: existing?.hire_date ?? null,
            job_code: existing?.job_code ?? null, job_title: existing?.job_title ?? null,
          });
          const link = await issuePasswordLink(trx, systemClock, CLI_ACTOR, user.id);
          return { token: link, invited: change === 'created' && invite ? await invite(trx, [user]) : 0 };
        });
        console.log(`Admin ${fields.data.email} created. Send them this link to choose a password (valid 72 hours):\n  ${baseUrl}/password/${token}`);
        if (invited) console.log(INVITATION_NOTE);
      });
    });

  program.command('users:import')
    .description('import or update people from a CSV file (all rows or none); new people get the invitation e-mail, queued like the web import\'s')
    .argument('<file>', 'CSV with columns email,name and optionally employee_id,role,department,manager_email,hire_date')
    .action(async (file: string) => {
      const text = readUtf8File(file);
      const parsed = await parseUserCsv(text);
      await withServices(async ({ db, uow, notifications }, baseUrl) => {
        const invite = await notifications.inviter();
        const result = await importUsers(db, uow, systemClock, CLI_ACTOR, parsed, `cli: ${file}`, invite);
        if (!result.ok) {
          for (const e of result.errors) console.error(`line ${e.line}${e.column ? `, ${e.column}` : ''}: ${e.reason}`);
          fail('invalid', `Nothing was imported: ${result.errors.length} problem(s).`);
        }
        const s = result.summary;
        console.log(`Imported: ${s.created} added, ${s.updated} updated, ${s.unchanged} unchanged.`);
        for (const l of s.links) console.log(`${l.email}\t${baseUrl}/password/${l.token}`);
        if (invite && s.created > 0) console.log(INVITATION_NOTE);
      });
    });

  program.command('content:check').description('validate the course content without starting the server')
    .option('--authoring-warn-only', 'print the answer-cue and reading-level figures but do not fail on their limits')
    .option('--items', 'also list the answer cues of every quiz item')
    .action((opts: { authoringWarnOnly?: boolean; items?: boolean }) => {
      // The structure checks are authoring rules: content:check fails on them, start-up does not.
      const catalogue = loadCatalogue(loadConfig().contentDir, { structure: true });
      for (const c of catalogue.courses) {
        const scenes = c.lessons.reduce((n, l) => n + l.scenes.length, 0);
        console.log(`${c.id} ${c.version} (content ${c.contentHash.slice(0, 12)}): ${c.lessons.length} lessons, ${scenes} scenes, ${c.questions.length} quiz questions — OK`);
      }
      const authoring = catalogue.courses.map((c) => checkAuthoring(c, { ...DEFAULT_AUTHORING_OPTIONS, items: opts.items }));
      for (const r of authoring) console.log(r.lines.join('\n'));
      const failures = authoring.flatMap((r) => r.failures);
      if (failures.length && !opts.authoringWarnOnly) throw new ContentError(failures);
      for (const f of failures) console.error(`warning: ${f}`);
    });

  program.command('demo:seed').description('add demo departments and people in every training status of every course (for trying out and benchmarks)')
    .option('--people <n>', 'how many people', '500')
    .option('--seed <n>', 'random seed; a different seed adds a different set of people', '1')
    .option('--password-stdin', 'read a password for the demo admin, managers and first learners from standard input')
    .option('--sign-in-learners <n>', 'how many learners get that password', '11')
    .action(async (opts: { people: string; seed: string; passwordStdin?: boolean; signInLearners: string }) => {
      const people = Number(opts.people);
      const seed = Number(opts.seed);
      const signInLearners = Number(opts.signInLearners);
      if (!Number.isInteger(signInLearners) || signInLearners < 0 || signInLearners > 1000) fail('invalid', '--sign-in-learners must be a whole number from 0 to 1,000.');
      if (!Number.isInteger(people) || people < 10 || people > 1_000_000) fail('invalid', '--people must be a whole number from 10 to 1,000,000.');
      if (!Number.isInteger(seed) || seed < 1) fail('invalid', '--seed must be a positive whole number.');
      const password = opts.passwordStdin ? readStdin() : undefined;
      await withServices(async ({ training, catalogue }) => {
        const r = await seedDemo(training, catalogue.courses, { people, seed, password, signInLearners });
        console.log(`Seeded ${r.people} people and ${r.completions} completions of ${r.courses === 1 ? '1 course' : `${r.courses} courses`} in ${r.seconds.toFixed(1)} s.`);
        for (const a of r.accounts) console.log(`${a.role}\t${a.email}`);
      });
    });

  program.command('backup').description('copy the database to a new file while the server keeps running')
    .argument('<file>', 'where to write the backup (must not exist)')
    .action(async (file: string) => {
      if (loadConfig().databaseUrl) fail('invalid', PG_BACKUP);
      await withDatabase(async (database) => {
        await database.db.transaction().execute((trx) => appendAudit(trx, systemClock, CLI_ACTOR, { action: 'backup.created', details: { file: path.resolve(file) } }));
        const r = await backupTo(database, file).catch((e: Error) => fail('invalid', e.message));
        console.log(`Backup written to ${path.resolve(file)} (${r.pages} pages).`);
      });
    });

  program.command('restore').description('replace the database with a backup (stop the server first)')
    .argument('<file>', 'a backup made with the backup command')
    .action(async (file: string) => {
      const config = loadConfig();
      if (config.databaseUrl) fail('invalid', PG_BACKUP);
      try {
        restoreFrom(file, config.databasePath);
      } catch (e) {
        fail('invalid', (e as Error).message);
      }
      await withDatabase(async ({ db }) => {
        await db.transaction().execute((trx) => appendAudit(trx, systemClock, CLI_ACTOR, { action: 'backup.restored', details: { file: path.resolve(file) } }));
        const chain = await verifyAuditChain(db);
        console.log(`Restored ${path.resolve(file)}. Audit log ${chain.ok ? `OK (${chain.events} events)` : `BROKEN at event ${chain.brokenAt}`}.`);
      });
    });

  program.command('retention:purge').description('remove training records no longer in effect for six years (the audit log is kept)')
    .requiredOption('--before <date>', 'YYYY-MM-DD; at most six years before today')
    .action(async (opts: { before: string }) => {
      if (!isRealDate(opts.before)) fail('invalid', '--before must be a date written YYYY-MM-DD.');
      await withServices(async ({ training }) => {
        const r = await purgeBefore(training, CLI_ACTOR, opts.before);
        console.log(`Removed ${r.completions} completions, ${r.certificates} certificates, ${r.attestations} attestations, ${r.attempts} quiz attempts, ${r.answers} answers, ${r.progress} progress records, ${r.policyAcknowledgements} policy acknowledgements and ${r.policyVersions} policy versions from before ${opts.before}.`);
      });
    });

  program.command('policy:publish').description('publish a new version of a policy people read and sign (Markdown file)')
    .requiredOption('--file <file>', 'the policy text, Markdown, UTF-8')
    .requiredOption('--slug <slug>', 'the policy\'s short name (lower-case letters, digits, hyphens); an existing one gets a new version')
    .requiredOption('--title <title>', 'the policy\'s title')
    .requiredOption('--label <label>', 'the version label, such as 2 or 2024.1')
    .option('--material', 'a material change: everyone must sign again (the first version always is)')
    .option('--correction', 'a correction: signatures of the earlier version still count')
    .requiredOption('--note <note>', 'what changed and why')
    .option('--min-read-seconds <n>', 'people cannot sign sooner after opening it')
    .action(async (opts: { file: string; slug: string; title: string; label: string; material?: boolean; correction?: boolean; note: string; minReadSeconds?: string }) => {
      if (!!opts.material === !!opts.correction) fail('invalid', 'Say --material (everyone signs again) or --correction (earlier signatures still count), one of them.');
      const text = readUtf8File(opts.file);
      const form = parseForm(publishForm, {
        slug: opts.slug, title: opts.title, label: opts.label, text, change_kind: opts.material ? 'material' : 'correction',
        change_note: opts.note, min_read_seconds: opts.minReadSeconds ?? '', intent: 'publish',
      });
      if (!form.ok) fail('invalid', Object.entries(form.errors).map(([k, m]) => `${k}: ${m}`).join(' '));
      const d = form.data;
      await withServices(async ({ policies }) => {
        const r = await policies.publish(CLI_ACTOR, { slug: d.slug, title: d.title, label: d.label, text: d.text, kind: d.change_kind, note: d.change_note, minReadSeconds: d.min_read_seconds });
        console.log(`Published ${d.slug} version ${d.label} (${d.change_kind === 'material' ? 'material change: everyone signs again' : 'correction: earlier signatures still count'}), version id ${r.versionId}.`);
      });
    });

  program.command('audit:verify').description('check the audit log (keyed hashes, links, anchors); exit 1 at the first problem')
    .option('--anchor <file>', 'anchors to check against: a file written by audit:anchor or a syslog export (default: AUDIT_ANCHOR_FILE if it exists)')
    .action(async (opts: { anchor?: string }) => {
      const config = loadConfig();
      const anchorFile = opts.anchor ? path.resolve(opts.anchor) : fs.existsSync(config.auditAnchorFile) ? config.auditAnchorFile : undefined;
      const anchors = anchorFile ? readAnchors(anchorFile) : [];
      await withDatabase(async ({ db }) => {
        const r = await verifyAuditChain(db, { keys: config.auditKeys, anchors });
        if (!r.ok) fail('conflict', `Audit log BROKEN at event ${r.brokenAt}: ${r.reason}`);
        console.log(`Audit log OK: ${r.events} events, chain intact${r.keyIds.length ? `, sealed with audit key ${r.keyIds.join(', ')}` : ''}.`);
        if (r.unkeyed) {
          console.log(`Events 1 to ${r.unkeyed} were written before the audit key existed: they are unkeyed, and the keyed events after them (and your anchors) are what shows a rewrite.`);
        }
        console.log(anchorFile
          ? `Anchors in ${anchorFile} match, up to event ${r.anchoredTo}.`
          : 'No anchor file: deleting the newest events would not show. Run audit:anchor regularly (see README).');
      });
    });

  program.command('audit:anchor').description('record the newest audit event outside the database, so deleting the newest events shows')
    .option('--file <file>', 'append the anchor to this file (default: AUDIT_ANCHOR_FILE)')
    .option('--print', 'print the anchor line instead, e.g. to pipe it to logger or another host')
    .action(async (opts: { file?: string; print?: boolean }) => {
      const config = loadConfig();
      const file = opts.file ? path.resolve(opts.file) : config.auditAnchorFile;
      // Check the log first (against the earlier anchors too), so a rewritten log is never anchored.
      const anchors = !opts.print && fs.existsSync(file) ? parseAnchors(fs.readFileSync(file, 'utf8')) : [];
      await withDatabase(async ({ db }) => {
        const r = await verifyAuditChain(db, { keys: config.auditKeys, anchors });
        if (!r.ok) fail('conflict', `Not anchored: the audit log is BROKEN at event ${r.brokenAt}: ${r.reason}`);
        const anchor = await currentAnchor(db, systemClock);
        if (!anchor) fail('conflict', 'The audit log is empty: there is nothing to anchor yet.');
        if (opts.print) {
          console.log(anchorLine(anchor));
          return;
        }
        appendAnchor(file, anchor);
        console.log(`Anchored event ${anchor.id} in ${file}.`);
      });
    });

  addAssignmentCommands(program, withServices);
  addNotificationCommands(program, withServices);
  addScimCommands(program, withServices);
  addDbCopyCommand(program);
  return program;
}

/**
 * What the operator sees when a command fails, and the exit code: a refusal they can act on (a rule,
 * the configuration, the course files) is its message on one line and exit 1; anything else keeps its
 * stack for a bug report.
 */
export function reportFailure(e: unknown): number {
  const code = (e as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
  if (code?.startsWith('commander.')) return 2;
  if (e instanceof RuleError || e instanceof ConfigError || e instanceof ContentError) console.error(e.message);
  else console.error(e);
  return 1;
}

if (require.main === module) {
  // .env is read once, here, like the server does (real environment variables win over it).
  Promise.resolve().then(() => loadEnvFile()).then(() => buildCli().parseAsync(process.argv))
    .catch((e: unknown) => process.exit(reportFailure(e)));
}
