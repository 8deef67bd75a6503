/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { PEER_CLIENT, startOidcPeer, type OidcPeer } from '../helpers/oidc-peer';
import { axeViolations, freePort, importStaff, launchBrowser, startServer, type Server } from './harness';

// Issue 18 in the browser (Debian's Chromium, the production build): a learner clicks "Sign in with
// Riverside ID", signs in on oidc-provider's own sign-in page (in this process), and lands on their
// dashboard; then signs out through the provider and is back on our sign-in page.

let peer: OidcPeer;
let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  // The server needs the issuer at start and the provider needs the server's redirect URI: the
  // provider's port is chosen first, and it starts once the server's address is known.
  const peerPort = await freePort();
  server = await startServer({
    OIDC_ISSUER_URL: `http://127.0.0.1:${peerPort}`, OIDC_CLIENT_ID: PEER_CLIENT.id, OIDC_CLIENT_SECRET: PEER_CLIENT.secret, SSO_OIDC_NAME: 'Riverside ID',
  });
  base = server.baseUrl;
  peer = await startOidcPeer({
    port: peerPort, redirectUris: [`${base}/auth/oidc/callback`], postLogoutRedirectUris: [`${base}/login`],
    accounts: [{ sub: 'rn-3141', email: 'priya.natarajan@riverside.example', email_verified: true, name: 'Priya Natarajan' }],
  });
  importStaff(server, ['employee_id,email,name,role,department,manager_email,hire_date', 'P7,priya.natarajan@riverside.example,Priya Natarajan,learner,Nursing/ICU,,2026-01-05']);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await peer?.stop();
});

test('a learner signs in with the hospital\'s OpenID provider and lands on the dashboard, then signs out through it', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByRole('link', { name: 'Sign in with Riverside ID' }).click();
  // oidc-provider's own development sign-in page.
  await page.waitForURL((u) => u.origin === peer.issuer && u.pathname.startsWith('/interaction/'));
  await page.locator('input[name="login"]').fill('rn-3141');
  await page.locator('input[name="password"]').fill('any password the provider checks');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(`${base}/`);
  await page.getByRole('heading', { name: 'Welcome, Priya Natarajan' }).waitFor();
  expect(await axeViolations(page)).toEqual([]);

  await page.getByRole('button', { name: 'Sign out' }).click();
  // oidc-provider asks whether to sign out there too; either answer returns to our sign-in page.
  await page.waitForURL((u) => u.origin === peer.issuer);
  await page.locator('button[autofocus], button[type="submit"]').first().click();
  await page.waitForURL((u) => u.href.startsWith(`${base}/login`));
  await page.goto(`${base}/`);
  await page.waitForURL((u) => u.pathname === '/login');
  await context.close();
});
