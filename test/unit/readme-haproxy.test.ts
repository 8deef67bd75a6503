import fs from 'node:fs';
import path from 'node:path';

// The README shows the HAProxy configurations the e2e tests run (deploy/*.cfg) so an operator can read
// them in place; the copies must not drift from the files that are actually tested.
const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```haproxy\n([\s\S]*?)```/g)].map((m) => m[1]!);

test.each(['haproxy.cfg', 'haproxy-two-instances.cfg'])('the README shows deploy/%s as it is, from `global` on', (file) => {
  const cfg = fs.readFileSync(path.join(root, 'deploy', file), 'utf8');
  const body = cfg.slice(cfg.indexOf('global\n'));
  expect(blocks).toContain(body);
});
