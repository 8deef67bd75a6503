import { migrations } from '../../migrations';
import { buildTestApp } from '../helpers/app';
import { newAgent } from '../helpers/http';

describe('GET /healthz', () => {
  test('200 with the engine and migration level while the database answers, 503 once it does not; no session is created', async () => {
    const t = await buildTestApp();
    try {
      const ok = await newAgent(t.app).get('/healthz');
      expect(ok.status).toBe(200);
      const newest = Object.keys(migrations).sort().at(-1);
      expect(ok.body).toEqual({ status: 'ok', database: t.database.engine, migration: newest });
      expect(['sqlite', 'postgres']).toContain(ok.body.database);
      expect(ok.headers['set-cookie']).toBeUndefined();
      // The database stops answering: SQLite's handle closed under the app, or PostgreSQL's pools ended.
      if (t.database.engine === 'sqlite') t.database.sqlite.close();
      else await t.database.close();
      const down = await newAgent(t.app).get('/healthz');
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ status: 'unavailable', reason: 'database not answering', database: t.database.engine });
    } finally {
      await t.close();
    }
  });
});
