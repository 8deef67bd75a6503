import http from 'node:http';
import net from 'node:net';
import { BLOCKED, newTally, type Step, type Tally } from './settings';

/**
 * Every scanner request goes through this proxy, which (1) refuses anything but the app on 127.0.0.1,
 * so a scanner can never reach the network; (2) counts requests and statuses per step, so the summary
 * says how many requests each scan made and a 5xx is caught whatever the scanner thinks of it;
 * (3) refuses the BLOCKED addresses; and (4) opens each upstream connection from a different loopback
 * address (127.0.0.2–251). The public certificate check allows 60 requests a minute per address, with
 * no setting to raise it, so without (4) nearly every scanner request to /verify would be a 429 and
 * the scan would test the limiter, not the page.
 */
export function startProxy(appPort: number) {
  let tally = newTally();
  let next = 0;
  const server = http.createServer((req, res) => {
    const t = tally;
    let url: URL;
    try { url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`); } catch { res.writeHead(400).end(); return; }
    if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || url.port !== String(appPort)) {
      t.offTarget.push(`${req.method} ${url.origin}`);
      req.resume();
      res.writeHead(403, { 'content-type': 'text/plain' }).end('This proxy only reaches the app under test.');
      return;
    }
    const block = BLOCKED.find((b) => b.path.test(url.pathname));
    if (block) {
      t.blocked.push(`${req.method} ${url.pathname}`);
      req.resume();
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`Not forwarded during the scan: ${block.why}`);
      return;
    }
    t.requests += 1;
    const started = performance.now();
    const key = `${req.method} ${url.pathname.replace(/\/\d+(?=\/|\.|$)/g, '/N').replace(/^\/verify\/.+/, '/verify/CODE')}`;
    res.once('close', () => {
      const b = t.busy.get(key) ?? { ms: 0, n: 0 };
      t.busy.set(key, { ms: b.ms + performance.now() - started, n: b.n + 1 });
    });
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: `127.0.0.1:${appPort}`, connection: 'close' };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    delete headers['keep-alive'];
    const upstream = http.request({
      host: '127.0.0.1', port: appPort, method: req.method, path: url.pathname + url.search, headers, agent: false,
      localAddress: `127.0.0.${2 + (next++ % 250)}`,
    }, (up) => {
      const status = up.statusCode ?? 0;
      t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
      if (status >= 500) t.serverErrors.push(`${status} ${req.method} ${url.pathname}${url.search.slice(0, 160)}`);
      // Hop-by-hop headers belong to our upstream connection, not to the scanner's.
      const raw: string[] = [];
      for (let i = 0; i < up.rawHeaders.length; i += 2) {
        if (!/^(connection|keep-alive)$/i.test(up.rawHeaders[i]!)) raw.push(up.rawHeaders[i]!, up.rawHeaders[i + 1]!);
      }
      res.writeHead(status, raw);
      up.pipe(res);
    });
    upstream.on('error', () => { t.upstreamErrors += 1; if (res.headersSent) res.destroy(); else res.writeHead(502).end(); });
    req.pipe(upstream);
  });
  // Only plain http to the app is proxied; a CONNECT (https, or any other host) is refused.
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket) => { tally.offTarget.push(`CONNECT ${req.url}`); socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'); });
  return {
    server,
    /** Starts counting for a new step and returns the counts of the one before. */
    phase(): Tally { const done = tally; tally = newTally(); return done; },
  };
}


/** What the proxy saw that a scanner may not report: 5xx answers, refused or failed requests. */
export function addTally(step: Step, t: Tally): void {
  for (const e of t.serverErrors) step.findings.push(`server error: ${e}`);
  if (t.offTarget.length) step.failure ??= `tried to leave loopback: ${[...new Set(t.offTarget)].slice(0, 3).join(', ')}`;
  if (t.requests === 0) step.failure ??= 'no request reached the server';
  if (t.upstreamErrors) step.notes.push(`${t.upstreamErrors} connections to the app failed`);
  if (t.blocked.length) step.notes.push(`${t.blocked.length} requests not forwarded (${[...new Set(t.blocked)].join(', ')})`);
  const busiest = [...t.busy.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 4);
  step.notes.push(`most server time: ${busiest.map(([k, b]) => `${k} ${(b.ms / 1000).toFixed(0)} s/${b.n}`).join(', ')}`);
  step.notes.push(`statuses ${[...t.statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
}

