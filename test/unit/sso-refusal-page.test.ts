import express from 'express';
import request from 'supertest';
import { renderSsoRefusal } from '../../server/identity/sso-session-middleware';
import { viewsDir } from '../../server/paths';
import { html } from '../helpers/http';

// The page a refused single sign-on ends on (both protocols use it): 403, the reason's words escaped,
// a way back to the sign-in page, nothing else.

test('the refusal page is a 403 with the words given, escaped, and a link to sign in', async () => {
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', viewsDir);
  const words = 'There is no training account for you here yet <script>alert(1)</script> & "so" on.';
  app.get('/refused', (_req, res) => renderSsoRefusal(res, words));
  const res = await request(app).get('/refused');
  expect(res.status).toBe(403);
  expect(res.text).toContain('<h1>You have not been signed in</h1>');
  expect(res.text).toContain(html(words));
  expect(res.text).not.toContain('<script>alert(1)</script>');
  expect(res.text).toContain('<a href="/login">Go to the sign-in page</a>');
});
