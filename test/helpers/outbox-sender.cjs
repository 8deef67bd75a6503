// A separate process with its own SQLite connection running the app's OutboxSender once. Started by
// test/integration/outbox-sender.test.ts with fork(): argv = database file (or PostgreSQL URL), SMTP URL, MAIL_FROM, the
// clock's time (ISO), batch size. It waits for "go" so two senders start together, and answers with
// its send report or the error.
'use strict';
// The server's TypeScript, transpiled on load.
require('./load-ts.cjs');

const { openDatabase } = require('../../server/db/database.ts');
const { openPostgres, isPostgresUrl } = require('../../server/db/postgres.ts');
const { createUnitOfWork } = require('../../server/db/unit-of-work.ts');
const { OutboxSender } = require('../../server/notifications/sender.ts');
const { createLogger } = require('../../server/http/logging.ts');

const [file, smtpUrl, from, at, batch] = process.argv.slice(2);
// The first argument is the SQLite file, or the PostgreSQL URL when the suite runs there (TEST_DB=postgres).
const database = isPostgresUrl(file) ? openPostgres(file) : openDatabase(file);
// The sender touches nobody's training records, so nothing is refreshed at commit.
const uow = createUnitOfWork(database.db, async () => undefined);
const clock = { now: () => new Date(at) };
const mail = { smtpUrl, from, domain: from.slice(from.indexOf('@') + 1) };
const sender = new OutboxSender(database.db, uow, clock, mail, 'Riverside General', createLogger('silent'), { batchSize: Number(batch), timeoutMs: 5000 });

process.on('message', (m) => {
  if (m !== 'go') return;
  sender.runOnce()
    .then((report) => process.send({ report }), (e) => process.send({ error: `${e.code ?? ''} ${e.message}`.trim() }))
    .finally(() => sender.stop().then(() => database.close()).then(() => process.disconnect()));
});
process.send({ ready: true });
