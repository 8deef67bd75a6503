/// <reference lib="dom" />
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { systemClock } from '../../server/clock';
import { SamlPeer } from '../helpers/saml-peer';
import { freePort, importStaff, launchBrowser, startServer, type Server } from './harness';

// Issue 18 in the browser (Debian's Chromium, the production build): "Sign in with …" on the sign-in page
// goes to the test IdP's own sign-in form (samlify, in this process), which posts its signed response back
// to our ACS, and the learner lands on the dashboard, signed in.

let server: Server;
let browser: Browser;
let peer: SamlPeer;
let dir: string;

beforeAll(async () => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // A real server process runs on the real clock, so the IdP does too.
  peer = await SamlPeer.create({ clock: systemClock, spEntityId: `${baseUrl}/auth/saml/metadata`, acsUrl: `${baseUrl}/auth/saml/acs` });
  await peer.listen();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-saml-e2e-'));
  const metadata = path.join(dir, 'idp.xml');
  fs.writeFileSync(metadata, peer.metadataXml());
  server = await startServer({ PORT: String(port), SAML_IDP_METADATA: metadata, SSO_SAML_NAME: 'Riverside ID' });
  importStaff(server, ['name,email,employee_id,department', 'Imani Adeyemi,imani.adeyemi@riverside.example,E7001,Nursing']);
  peer.people.set('imani.adeyemi@riverside.example', { 'http://schemas.microsoft.com/identity/claims/displayname': 'Imani Adeyemi' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await peer?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('"Sign in with Riverside ID" → the IdP\'s sign-in form → the dashboard, signed in', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${server.baseUrl}/login`);
  await page.getByRole('link', { name: /Sign in with Riverside ID/ }).click();
  await page.waitForURL((u) => u.toString().startsWith(peer.ssoUrl));
  await page.getByLabel('E-mail').fill('imani.adeyemi@riverside.example');
  await page.getByRole('button', { name: 'Sign in to the test IdP' }).click();
  await page.waitForURL((u) => u.origin === server.baseUrl && u.pathname === '/');
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  expect(await page.locator('body').innerText()).toContain('Imani Adeyemi');
  // Signed in for real: a page that needs a session opens, no sign-in form.
  await page.goto(`${server.baseUrl}/transcript`);
  expect(new URL(page.url()).pathname).toBe('/transcript');
});
