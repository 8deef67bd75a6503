import express, { type Express } from 'express';
import request from 'supertest';
import { RULE_CODES, RuleError, type RuleCode } from '../../server/errors';
import { errorHandler, errorPage, HttpError } from '../../server/http/errors';
import { createLogger } from '../../server/http/logging';
import { TooSoonError } from '../../server/learning/progress';
import { viewsDir } from '../../server/paths';
import { html } from '../helpers/http';

// The statuses DESIGN.md promises for each rule code, written out here so a changed map fails the test.
const EXPECTED: Record<RuleCode, { status: number; title: string }> = {
  'not-found': { status: 404, title: 'Page not found' },
  conflict: { status: 409, title: 'This cannot be done now' },
  invalid: { status: 400, title: 'Please check what you sent' },
  forbidden: { status: 403, title: 'Not allowed' },
  gone: { status: 410, title: 'No longer available' },
};

/** A bare app with only the real error handler and the real error view, and routes that throw. */
function appThrowing(error: (code: string) => unknown): Express {
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', viewsDir);
  app.get('/throw/:code', (req) => {
    throw error(String(req.params.code));
  });
  app.use(errorHandler(createLogger('silent'), true));
  return app;
}

const messageOf = (code: string) => `Refused because of rule ${code} <b>& "quotes"</b>.`;

describe('errorPage maps each rule code to its status and page title', () => {
  test.each(RULE_CODES.map((c) => [c]))('%s', (code) => {
    expect(errorPage(new RuleError(code, messageOf(code)))).toEqual({ ...EXPECTED[code], message: messageOf(code) });
  });

  test('every code has a distinct status, and every code is covered', () => {
    expect([...RULE_CODES].sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(new Set(RULE_CODES.map((c) => errorPage(new RuleError(c, 'x')).status)).size).toBe(RULE_CODES.length);
  });

  test('a feature subclass (TooSoonError) keeps its code: conflict, 409', () => {
    const page = errorPage(new TooSoonError(90));
    expect(page.status).toBe(409);
    expect(page.message).toMatch(/sooner than it can be read/);
  });

  test('an error that is not a rule is a 500 whose own message never reaches the person', () => {
    const page = errorPage(new Error('SQLITE_CORRUPT: secret table detail'));
    expect(page.status).toBe(500);
    expect(page.message).not.toMatch(/SQLITE|secret/);
  });

  test("http's own refusal (an upload where none is taken) keeps its status", () => {
    expect(errorPage(new HttpError(415, 'No uploads here.'))).toMatchObject({ status: 415, message: 'No uploads here.' });
  });
});

describe('the error handler sends that status with the error page', () => {
  const app = appThrowing((code) => new RuleError(code as RuleCode, messageOf(code)));

  test.each(RULE_CODES.map((c) => [c]))('%s renders the page with the title and the escaped message', async (code) => {
    const res = await request(app).get(`/throw/${code}`).set('Accept', 'text/html');
    expect(res.status).toBe(EXPECTED[code].status);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain(`<h1>${html(EXPECTED[code].title)}</h1>`);
    expect(res.text).toContain(html(messageOf(code)));
    expect(res.text).not.toContain(messageOf(code));
    expect(res.text).toContain(`Error ${EXPECTED[code].status}`);
  });

  test.each(RULE_CODES.map((c) => [c]))('%s answers a JSON client with the message', async (code) => {
    const res = await request(app).get(`/throw/${code}`).set('Accept', 'application/json');
    expect(res.status).toBe(EXPECTED[code].status);
    expect(res.body).toEqual({ error: messageOf(code) });
  });

  test('an unexpected error is a 500 page without the stack in production', async () => {
    const res = await request(appThrowing(() => new Error('boom at line 12'))).get('/throw/x').set('Accept', 'text/html');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('boom');
  });
});
