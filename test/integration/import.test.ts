import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

let t: TestApp;
let admin: Agent;
beforeEach(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'hr-admin@riverside.example', role: 'admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'hr-admin@riverside.example', GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

const HEADER = 'employee_id,email,name,role,department,manager_email,hire_date';

async function upload(body: string | Buffer, filename = 'staff.csv') {
  const page = await admin.get('/admin/import');
  return admin.post('/admin/import').field('_csrf', csrfFrom(page.text)).attach('file', Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), filename);
}

const people = () => t.db.selectFrom('users').leftJoin('departments', 'departments.id', 'users.department_id')
  .select(['users.employee_id', 'users.email', 'users.name', 'users.role', 'departments.path_key', 'users.manager_id', 'users.hire_date'])
  .where('users.email', '!=', 'hr-admin@riverside.example').orderBy('users.employee_id').execute();

describe('CSV import', () => {
  test('a valid file adds everyone, builds the department tree, links managers, and lists set-password links', async () => {
    const csv = [
      HEADER,
      // The manager comes after the person who reports to her: order in the file does not matter.
      'E100,marcus@riverside.example,Marcus Webb,learner,Nursing/ICU,grace@riverside.example,2026-11-16',
      'E101,grace@riverside.example,Grace Adeyemi,manager,Nursing,,2019-03-01',
      'E102,anh@riverside.example,Nguyễn Thị Ánh,,Nursing/ICU,grace@riverside.example,2026-10-01',
    ].join('\n');
    // The answer is the done page with the links: nothing keeps them for a redirect.
    const done = await upload(csv);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Import done: 3 added, 0 updated, 0 unchanged.');
    expect(done.text.match(/\/password\/[A-Za-z0-9_-]{43}/g)).toHaveLength(3);
    const rows = await people();
    expect(rows.map((r) => [r.employee_id, r.name, r.role, r.path_key])).toEqual([
      ['E100', 'Marcus Webb', 'learner', 'nursing/icu'],
      ['E101', 'Grace Adeyemi', 'manager', 'nursing'],
      ['E102', 'Nguyễn Thị Ánh', 'learner', 'nursing/icu'],
    ]);
    const grace = await t.db.selectFrom('users').select('id').where('employee_id', '=', 'E101').executeTakeFirstOrThrow();
    expect(rows[0]!.manager_id).toBe(grace.id);
    expect(rows[2]!.manager_id).toBe(grace.id);
    const audit = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'users.imported').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ rows: 3, created: 3, updated: 0, unchanged: 0, source: 'upload: staff.csv' });
  });

  test('a file with 3 bad rows imports nothing and reports all 3 with line, column and reason', async () => {
    const csv = [
      HEADER,
      'E200,ok1@riverside.example,Okay One,learner,Radiology,,2026-01-05',
      'E201,not-an-email,Bad Email,learner,Radiology,,2026-01-05',
      'E202,ok2@riverside.example,Okay Two,learner,Radiology,,2026-01-05',
      'E203,bad-date@riverside.example,Bad Date,learner,Radiology,,2026-13-01',
      'E204,bad-role@riverside.example,Bad Role,chief,Radiology,,2026-01-05',
    ].join('\r\n');
    const res = await upload(csv);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Nothing was imported: 3 problems found');
    const rows = [...res.text.matchAll(/<tr><td[^>]*>(\d+)<\/td><td[^>]*>([a-z_]*)<\/td><td[^>]*>([^<]+)<\/td><\/tr>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(rows).toEqual([[3, 'email'], [5, 'hire_date'], [6, 'role']]);
    expect(await people()).toHaveLength(0);
    expect(await t.db.selectFrom('departments').selectAll().execute()).toHaveLength(0);
  });

  test('BOM, CRLF, quoted fields with commas and newlines, and non-ASCII names are read correctly', async () => {
    const csv = '\uFEFF' + [
      'email,name,employee_id,role,department,manager_email,hire_date', // another column order
      '"jose@riverside.example","Ñúñez, José",E300,learner,"Food Services",,2026-11-01',
      '"zoe@riverside.example","Zoë O\'Brien-Łukasiewicz",E301,learner,"Nursing/Labor & Delivery",,',
      '"quote@riverside.example","Dana ""DJ"" Jones",E302,learner,Pharmacy,,',
    ].join('\r\n') + '\r\n';
    const res = await upload(csv);
    expect(res.status).toBe(200);
    const rows = await people();
    expect(rows.map((r) => r.name)).toEqual(['Ñúñez, José', "Zoë O'Brien-Łukasiewicz", 'Dana "DJ" Jones']);
    expect(rows[1]!.path_key).toBe('nursing/labor & delivery');
    expect(rows[1]!.hire_date).toBeNull();
  });

  test('re-importing the same file changes nothing; a changed row updates by employee ID', async () => {
    const csv = [HEADER, 'E400,kim@riverside.example,Kim Park,learner,Lab,,2026-05-05', 'E401,lou@riverside.example,Lou Ortiz,learner,Lab,,2026-05-05'].join('\n');
    expect((await upload(csv)).status).toBe(200);
    const snapshot = await people();
    const events = (await t.db.selectFrom('audit_events').selectAll().execute()).length;
    const done = await upload(csv);
    expect(done.status).toBe(200);
    expect(await people()).toEqual(snapshot);
    expect(done.text).toContain('No new people were added');
    // Only the import's own event was added.
    expect((await t.db.selectFrom('audit_events').selectAll().execute()).length).toBe(events + 1);
    const lastImport = await t.db.selectFrom('audit_events').select('details').where('action', '=', 'users.imported').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(lastImport.details)).toMatchObject({ created: 0, updated: 0, unchanged: 2 });

    const changed = [HEADER, 'E400,kim.park@riverside.example,Kim Park,manager,Lab,,2026-05-05', 'E401,lou@riverside.example,Lou Ortiz,learner,Lab,kim.park@riverside.example,2026-05-05'].join('\n');
    expect((await upload(changed)).status).toBe(200);
    const after = await people();
    expect(after.map((r) => [r.employee_id, r.email, r.role])).toEqual([['E400', 'kim.park@riverside.example', 'manager'], ['E401', 'lou@riverside.example', 'learner']]);
    expect(after[1]!.manager_id).not.toBeNull();
  });

  test('problems found only against the database (email owned by someone else, unknown manager) also stop the whole import', async () => {
    await createPerson(t.db, t.clock, { email: 'existing@riverside.example', employeeId: 'E900' });
    const csv = [HEADER,
      'E500,new1@riverside.example,New One,learner,,,',
      'E501,existing@riverside.example,Clash,learner,,,',
      'E502,new2@riverside.example,New Two,learner,,ghost@riverside.example,'].join('\n');
    const res = await upload(csv);
    expect(res.status).toBe(400);
    expect(res.text).toContain('already belongs to another person');
    expect(res.text).toContain('No person with the email ghost@riverside.example exists');
    expect(await t.db.selectFrom('users').selectAll().where('email', 'in', ['new1@riverside.example', 'new2@riverside.example']).execute()).toHaveLength(0);
  });

  test('structural problems: missing columns, duplicates in the file, ragged rows, not UTF-8, no file', async () => {
    const missing = await upload('email,employee_id\nx@riverside.example,X1');
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Missing column(s)');
    const dup = await upload([HEADER, 'E1,a@riverside.example,A,,,,', 'E1,b@riverside.example,B,,,,', 'E2,A@riverside.example,C,,,,'].join('\n'));
    expect(dup.text).toContain('Same employee ID as line 2');
    expect(dup.text).toContain('Same email as line 2');
    const ragged = await upload([HEADER, 'E1,a@riverside.example,A'].join('\n'));
    expect(ragged.text).toContain('Expected 7 values, found 3');
    const latin1 = await upload(Buffer.from([...Buffer.from(`${HEADER}\nE1,a@riverside.example,Jos`), 0xe9, 0x0a]));
    expect(latin1.status).toBe(400);
    expect(latin1.text).toContain('not UTF-8');
    const page = await admin.get('/admin/import');
    const none = await admin.post('/admin/import').field('_csrf', csrfFrom(page.text));
    expect(none.status).toBe(400);
    expect(none.text).toContain('Choose a CSV file');
    const unclosed = await upload(`${HEADER}\n"E1,a@riverside.example,A,,,,`);
    expect(unclosed.status).toBe(400);
    expect(unclosed.text).toContain('not valid CSV');
    expect(await people()).toHaveLength(0);
  });

  test('an upload without the CSRF token is refused and imports nothing', async () => {
    const res = await admin.post('/admin/import').attach('file', Buffer.from(`${HEADER}\nE1,a@riverside.example,A,,,,`), 'x.csv');
    expect(res.status).toBe(403);
    expect(await people()).toHaveLength(0);
  });

  test('a file over 5 MB gets 413', async () => {
    const res = await upload(Buffer.alloc(5 * 1024 * 1024 + 10, 'a'));
    expect(res.status).toBe(413);
  });

  test('a file with only the required columns (email and name) is accepted, as the README says', async () => {
    const res = await upload('email,name\nmin@riverside.example,Mina Okafor\n');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Import done: 1 added');
    expect((await people()).map((r) => [r.email, r.name, r.role, r.employee_id, r.path_key, r.manager_id, r.hire_date]))
      .toEqual([['min@riverside.example', 'Mina Okafor', 'learner', null, null, null, null]]);
  });

  test('one file with row errors and cross-row errors gets all of them in one answer, and nothing is imported', async () => {
    await createPerson(t.db, t.clock, { email: 'taken@riverside.example', employeeId: 'E900' });
    const csv = [
      'email,name,employee_id,manager_email,hire_date', // role and department left out
      'ok@riverside.example,Okay Person,E1,,', // 2: fine on its own
      'not-an-email,Bad Email,E2,,', // 3: row check
      'date@riverside.example,Bad Date,E3,,2026-02-30', // 4: row check
      'OK@riverside.example,Same Mail,E4,,', // 5: same e-mail as line 2 (case ignored)
      'other@riverside.example,Same Id,E1,,', // 6: same employee ID as line 2
      'lost@riverside.example,Lost Report,E5,ghost@riverside.example,', // 7: manager nobody has
      'a@riverside.example,Ada Cycle,E6,b@riverside.example,', // 8: a -> b -> a
      'b@riverside.example,Ben Cycle,E7,a@riverside.example,', // 9
      'taken@riverside.example,Taken Mail,E8,,', // 10: belongs to E900 in the database
      'self@riverside.example,Self Managed,E9,self@riverside.example,', // 11: own manager
      'under@riverside.example,Under Bad Date,E10,date@riverside.example,', // 12: manager's row (4) fails: no extra problem
    ].join('\n');
    const eventsBefore = (await t.db.selectFrom('audit_events').select('id').execute()).length;
    const res = await upload(csv);
    expect(res.status).toBe(400);
    const found = [...res.text.matchAll(/<tr><td[^>]*>(\d+)<\/td><td[^>]*>([a-z_]*)<\/td><td[^>]*>([^<]+)<\/td><\/tr>/g)]
      .map((m) => `${m[1]} ${m[2]}: ${m[3]!.replace(/&#39;/g, "'").replace(/&gt;/g, '>')}`);
    expect(found).toEqual([
      '3 email: Enter a valid email address, like name@hospital.org.',
      '4 hire_date: Hire date must be a real date written YYYY-MM-DD.',
      '5 email: Same email as line 2.',
      '6 employee_id: Same employee ID as line 2.',
      '7 manager_email: No person with the email ghost@riverside.example exists.',
      '8 manager_email: Reporting cycle: a@riverside.example → b@riverside.example → a@riverside.example. Someone in it must report to a person outside it.',
      '9 manager_email: Reporting cycle: a@riverside.example → b@riverside.example → a@riverside.example. Someone in it must report to a person outside it.',
      '10 email: taken@riverside.example already belongs to another person.',
      '11 manager_email: A person cannot be their own manager.',
    ]);
    expect(res.text).toContain('Nothing was imported: 9 problems found');
    expect(await t.db.selectFrom('users').select('email').where('email', '!=', 'hr-admin@riverside.example').execute())
      .toEqual([{ email: 'taken@riverside.example' }]);
    // The trial saves were rolled back with their audit events.
    expect((await t.db.selectFrom('audit_events').select('id').execute()).length).toBe(eventsBefore);
  });

  test('a reporting cycle through someone only in the database is refused', async () => {
    expect((await upload('email,name,manager_email\nada@riverside.example,Ada Boss,\nbo@riverside.example,Bo Report,ada@riverside.example\n')).status).toBe(200);
    const res = await upload('email,name,manager_email\nada@riverside.example,Ada Boss,bo@riverside.example\n');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Reporting cycle: ada@riverside.example → bo@riverside.example → ada@riverside.example.');
    const ada = await t.db.selectFrom('users').select('manager_id').where('email', '=', 'ada@riverside.example').executeTakeFirstOrThrow();
    expect(ada.manager_id).toBeNull();
  });

  test('an unknown column is reported together with the rows\' problems', async () => {
    const res = await upload('email,name,shoe_size\nnot-an-email,Pat Doe,44\n');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Unknown column(s)');
    expect(res.text).toContain('Enter a valid email address');
    expect(await people()).toHaveLength(0);
  });

  test('a semicolon-separated file gets a hint to save it as comma-separated CSV', async () => {
    const res = await upload('employee_id;email;name\nE1;semi@riverside.example;Sam Semi\n');
    expect(res.status).toBe(400);
    expect(res.text).toContain('This file uses &#39;;&#39; — save it as comma-separated CSV');
    expect(res.text).not.toContain('Missing column(s)');
    expect(await people()).toHaveLength(0);
  });
});
