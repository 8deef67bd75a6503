import http from 'node:http';
import path from 'node:path';
import express from 'express';
import session from 'express-session';
import { DatabaseSessionStore } from '../server/auth/session-middleware';
import { sessionsStore } from '../server/auth/sessions-store';
import { systemClock } from '../server/clock';
import { openDatabase } from '../server/db/database';
import { projectRoot } from '../server/paths';

// The denominator: bare Express 5 + EJS + the same session middleware and store + one indexed SELECT,
// rendering a page padded to the size of our lesson page. Runs as its own process on the same database.

const database = openDatabase(process.env.DATABASE_PATH!);
const store = new DatabaseSessionStore(sessionsStore(database.db), systemClock, 30 * 60_000);
const padding = 'x'.repeat(Math.max(0, Number(process.env.PAGE_BYTES ?? '5000') - 400));
const app = express();
app.set('view engine', 'ejs');
app.set('views', path.join(projectRoot, 'bench'));
app.enable('view cache');
app.use(session({ name: 'ref.sid', secret: 'reference-secret-long-enough-for-the-check', store, resave: false, saveUninitialized: false, rolling: true, cookie: { httpOnly: true, sameSite: 'lax', maxAge: 30 * 60_000 } }));
app.get('/sign-in/:id', (req, res) => {
  (req.session as unknown as { uid: number }).uid = Number(req.params.id);
  res.send('ok');
});
app.get('/page', async (req, res) => {
  const uid = (req.session as unknown as { uid?: number }).uid;
  if (!uid) return res.status(401).send('no');
  const user = await database.db.selectFrom('users').select(['name', 'email']).where('id', '=', uid).executeTakeFirst();
  res.render('reference', { name: user?.name, email: user?.email, padding });
});
const server = http.createServer(app).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => { store.stop(); void database.close().then(() => process.exit(0)); }));
