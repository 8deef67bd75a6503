import { ensureFirstAdmin } from '../../../server/users/first-admin';
import { findLiveToken } from '../../../server/auth/tokens';
import { issuePasswordLink } from '../../../server/users/service';
import { GOOD_PASSWORD } from '../factories';
import { csrfFrom, newAgent, signIn } from '../http';
import { locationOf, must, one } from './types';
import { withSchemaFields } from './schema-fields';
import { fresh, ids, pwToken, setPwToken, setSetupToken, setupToken, t, uniq, visitor } from './world';

// Sign-in, sign-out, and the one-time links (first-admin setup, set-password).

export const AUTH_SPECS = withSchemaFields({
  'POST /login': {
    target: visitor(() => t),
    values: () => [
      JSON.stringify({ action: '/transcript', fields: [['a', 'b']] }), JSON.stringify({ action: '//evil.example', fields: [] }), '{"action":1}', '{',
      'login.target@riverside.example', 'LOGIN.TARGET@riverside.example ', 'nobody@riverside.example', GOOD_PASSWORD, 'wrong password 1', '/transcript', '//evil.example', '/\\evil', 'javascript:alert(1)'],
    params: async () => {
      // Failed runs pause the address (by design); lift the pause so the success path stays reachable.
      await t.db.deleteFrom('sign_in_throttle').execute();
      return {};
    },
    bases: async () => [[['email', 'login.target@riverside.example'], ['password', GOOD_PASSWORD], ['next', '/transcript']]],
    effect: ({ res, events }) => {
      must(one(events, 'auth.login_succeeded').length === 1, 'a sign-in answered success without auth.login_succeeded');
      must(/^\/(?!\/)/.test(locationOf(res)), `sign-in redirected off-site: ${locationOf(res)}`);
    },
    loginNoise: true,
  },
  'POST /logout': {
    // Every third run signs out a signed-in person (a sign-in costs an Argon2 hash); the others a visitor.
    target: async () => {
      if (uniq() % 3) return visitor(() => t)();
      const agent = newAgent(t.app);
      await signIn(agent, 'leaver@riverside.example', GOOD_PASSWORD);
      return { app: t, agent, token: csrfFrom((await agent.get('/transcript')).text), signedIn: false };
    },
    values: () => [],
    effect: ({ res }) => must(locationOf(res) === '/login?signedOut=1', `unexpected redirect ${locationOf(res)}`),
    notice: true,
  },
  // Before 'POST /password/:token': forms-coverage matches a form's action against the specs in this order.
  'POST /password/forgot': {
    target: visitor(() => t),
    values: () => ['login.target@riverside.example', 'nobody@riverside.example', 'LOGIN.TARGET@riverside.example ', 'not an address', '@', 'a@b'],
    params: async () => {
      // The per-client limit (20 an hour) would soon answer every run with 429: start each run with its counters empty.
      await t.db.deleteFrom('password_reset_requests').execute();
      return {};
    },
    bases: async () => [[['email', ['login.target@riverside.example', `nobody${uniq()}@riverside.example`][uniq() % 2]!]]],
    effect: ({ res, events, delta }) => {
      must(res.status === 200, `a request answered ${res.status}, not the page`);
      must(one(events, 'auth.password_reset_requested').length === 1, 'a request answered success without auth.password_reset_requested');
      must(delta('password_reset_requests') === 1, 'a request answered success without recording it');
      must(!res.text.includes('login.target@'), 'the answer shows the typed address');
    },
  },
  // Issue 18: sign-out for people who signed in through OpenID Connect. In this world OIDC is not set up
  // and nobody signed in through it, so it ends the session exactly as /logout does.
  'POST /auth/oidc/logout': {
    target: async () => {
      if (uniq() % 3) return visitor(() => t)();
      const agent = newAgent(t.app);
      await signIn(agent, 'leaver@riverside.example', GOOD_PASSWORD);
      return { app: t, agent, token: csrfFrom((await agent.get('/transcript')).text), signedIn: false };
    },
    values: () => [],
    effect: ({ res }) => must(locationOf(res) === '/login?signedOut=1', `unexpected redirect ${locationOf(res)}`),
    notice: true,
  },
  'POST /setup/:token': {
    target: visitor(() => fresh),
    values: () => ['First Admin', 'first@riverside.example', GOOD_PASSWORD, 'password', 'riverside general', 'a b c'],
    params: async () => {
      // A success creates the admin and ends setup; start over (deactivate, new link) so later runs reach the form.
      if (await fresh.db.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'active').executeTakeFirst()) {
        await fresh.db.updateTable('users').set({ status: 'deactivated' }).where('role', '=', 'admin').execute();
        const again = await ensureFirstAdmin(fresh.uow, fresh.clock, undefined, fresh.config.orgName);
        if (again.kind === 'setup-link') setSetupToken(again.token);
      }
      return { token: setupToken };
    },
    bases: async () => [[['name', 'First Admin'], ['email', `first${uniq()}@riverside.example`], ['password', GOOD_PASSWORD], ['confirm', GOOD_PASSWORD]]],
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === '/login?setUp=1', `unexpected redirect ${locationOf(res)}`);
      must(await app.db.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'active').executeTakeFirst(), 'setup answered success but no admin exists');
      must(one(events, 'auth.password_set').length === 1, 'setup answered success without auth.password_set');
    },
    notice: true,
  },
  'POST /password/:token': {
    target: visitor(() => t),
    values: () => [GOOD_PASSWORD, 'pw.person lantern orchard', 'short', 'lanternlanternlantern'],
    params: async () => {
      if (!pwToken || !(await findLiveToken(t.db, t.clock, 'set-password', pwToken))) {
        setPwToken(await t.db.transaction().execute((trx) => issuePasswordLink(trx, t.clock, { id: ids.admin, label: 'admin@riverside.example' }, ids.pwPerson)));
      }
      return { token: pwToken };
    },
    bases: async () => [[['password', GOOD_PASSWORD], ['confirm', GOOD_PASSWORD]]],
    effect: ({ res, events }) => {
      must(locationOf(res) === '/login?passwordSet=1', `unexpected redirect ${locationOf(res)}`);
      must(one(events, 'auth.password_set').length === 1, 'a password answered success without auth.password_set');
    },
    notice: true,
  },
});
