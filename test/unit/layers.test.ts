import { spawnSync } from 'node:child_process';
import path from 'node:path';

const project = path.join(__dirname, '..', '..');
const fixtures = path.join(project, 'test', 'fixtures', 'layers');

function checkLayers(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(project, 'scripts', 'check-layers.cjs'), ...args], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('layer rules (npm run lint)', () => {
  test('the project itself passes, with its exceptions only in the allowlist', () => {
    const r = checkLayers();
    expect(r.out).toMatch(/Layer rules hold/);
    expect(r.status).toBe(0);
  });

  test.each([
    ['route-db', /route-no-db: server\/users\/routes\.ts imports server\/db\/database\.ts/],
    ['requests-db', /route-no-db: server\/users\/requests\.ts imports server\/db\/database\.ts/],
    ['store-express', /store-no-web: server\/users\/store\.ts imports express/],
    ['folder-cycle', /folder-cycle: audit, users import each other/],
    ['stale-allowlist', /entry no longer needed, remove it: route-no-db server\/users\/routes\.ts -> kysely/],
    ['stale-cycle', /entry no longer needed, remove it: folder-cycle audit -> users/],
  ])('a tree with a forbidden import (%s) fails the lint and names it', (fixture, message) => {
    const r = checkLayers('--root', path.join(fixtures, fixture));
    expect(r.out).toMatch(message);
    expect(r.status).toBe(1);
  });

  test('a cycle made only of type imports is allowed (types vanish at run time)', () => {
    const r = checkLayers('--root', path.join(fixtures, 'type-cycle'));
    expect(r.out).toMatch(/Layer rules hold \(0 allowlisted/);
    expect(r.status).toBe(0);
  });

  test('the folder graph of server/ is printed on request', () => {
    const r = checkLayers('--graph');
    expect(r.out).toMatch(/^learning -> .*content/m);
  });
});
