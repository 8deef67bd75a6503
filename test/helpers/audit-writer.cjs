// A separate process with its own SQLite connection, appending audit events through the app's own
// openDatabase and appendAudit one transaction per event. Started by
// test/integration/audit-concurrency.test.ts with fork(): argv = database file, audit key (hex),
// writer label, number of events. It waits for "go" so two writers start together, and answers with
// how many appends succeeded and the first error, if any.
'use strict';
/* global Buffer */
// The server's TypeScript, transpiled on load.
require('./load-ts.cjs');

const { setTimeout: sleep } = require('node:timers/promises');
const { openDatabase } = require('../../server/db/database.ts');
const { appendAudit } = require('../../server/audit/service.ts');
const { auditKeyring, useAuditKeys } = require('../../server/audit/keyring.ts');

const [file, keyHex, label, countText] = process.argv.slice(2);
useAuditKeys(auditKeyring(Buffer.from(keyHex, 'hex')));
const database = openDatabase(file);
const clock = { now: () => new Date() };

async function run() {
  let appended = 0;
  let error;
  for (let i = 0; i < Number(countText); i += 1) {
    try {
      await database.db.transaction().execute((trx) =>
        appendAudit(trx, clock, { id: null, label }, { action: 'test.concurrent', details: { writer: label, i } }));
      appended += 1;
    } catch (e) {
      error ??= `${e.code ?? ''} ${e.message}`.trim();
    }
    // A breath between appends, as between requests: a writer in a tight loop takes SQLite's lock
    // again before the other's busy handler wakes up, so one would run to the end and then the other.
    await sleep(1);
  }
  await database.close();
  process.send({ appended, error });
}

process.send({ ready: true });
process.once('message', (m) => {
  if (m === 'go') run().catch((e) => process.send({ appended: -1, error: String(e) }));
});
