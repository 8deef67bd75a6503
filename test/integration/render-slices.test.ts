import { renderSlices } from '../../server/http/render-slices';
import { Pacer } from '../../server/pacer';
import { buildTestApp, type TestApp } from '../helpers/app';

// The import's done page lists every new person's set-password link: 20,000 rows rendered in one call
// held the event loop. renderSlices renders the row partial 500 links at a time.

let t: TestApp;
beforeAll(async () => { t = await buildTestApp(); });
afterAll(async () => { await t.close(); });

const links = Array.from({ length: 1_234 }, (_, i) => ({
  name: i === 7 ? '<script>alert("x")</script> & Co' : `Person ${i}`,
  email: `person${i}@riverside.example`,
  url: `http://127.0.0.1:3000/password/token${i}`,
}));

/** The partial rendered once over every link, as the page did before. */
const whole = () => new Promise<string>((resolve, reject) => {
  t.app.render('users/link-rows', { links }, (err: Error | null, html?: string) => (err ? reject(err) : resolve(html ?? '')));
});

describe('rendering a long list of rows a slice at a time', () => {
  test('gives the same HTML as one render, escaped the same way, and lets the event loop run in between', async () => {
    // Queued before the render starts: it runs only if the render lets the event loop take a turn (a
    // render of the partial on its own is synchronous). Slices of 0 ms: a turn before every slice.
    let turn = false;
    setImmediate(() => { turn = true; });
    const sliced = await renderSlices(t.app, 'users/link-rows', 'links', links, new Pacer(0));
    const one = await whole();
    // Compared as a boolean: a failure would otherwise print two 200 KB strings.
    expect({ same: sliced === one, length: sliced.length }).toEqual({ same: true, length: one.length });
    expect(sliced.match(/<tr>/g)).toHaveLength(1_234);
    expect(sliced).toContain('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co &lt;person7@riverside.example&gt;');
    expect(sliced).not.toContain('<script>');
    expect(turn).toBe(true);
  });

  test('no items: no rows', async () => {
    expect(await renderSlices(t.app, 'users/link-rows', 'links', [])).toBe('');
  });
});
