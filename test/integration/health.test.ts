import { buildTestApp } from '../helpers/app';
import { newAgent } from '../helpers/http';

describe('GET /healthz', () => {
  test('200 while the database answers, 503 once it does not; no session is created', async () => {
    const t = await buildTestApp();
    try {
      const ok = await newAgent(t.app).get('/healthz');
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ status: 'ok' });
      expect(ok.headers['set-cookie']).toBeUndefined();
      t.database.sqlite.close();
      const down = await newAgent(t.app).get('/healthz');
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('unavailable');
    } finally {
      t.sessions.stop();
    }
  });
});
