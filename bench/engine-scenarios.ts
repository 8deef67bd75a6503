import { CONNECTIONS, dataFolder, load, SECONDS, SIGN_IN_LEARNERS, seed, signIn, startApp, type App, type EngineEnv, type Load } from './app-process';
import { finishLessons, quizLoop, type QuizFigures } from './learner-flows';
import { memoryMb, resetPeakRss } from './process-memory';

// The scenarios npm run bench runs on each engine, on the same seeded organisation: lesson page,
// dashboard, quiz submission, report and organisation summary, CSV export; on PostgreSQL also two app
// instances on one database against one. bench/run.ts adds the SQLite-only measures around them.

export type Rec = (what: string, value: string, target: string, met: boolean | null) => void;

export interface EngineRun {
  env: EngineEnv;
  dataDir: string;
  people: number;
  seedSeconds: number;
  app: App;
  /** A learner with training still to do, for the page loads. */
  learner: string;
  /** The other learners, who take the quiz. */
  learners: string[];
  admin: string;
  scenePath: string;
  /** Results kept for the two-instance comparison. */
  scene?: Load;
  dashboard?: Load;
  quiz?: QuizFigures;
}

export const SCENE_PATH = '/courses/hipaa-social-media/lessons/elevator/play';
const count = (n: number) => n.toLocaleString('en-US');
const ratio = (rps: number, reference: number | null) => (reference ? ` = ${(rps / reference).toFixed(2)} × reference` : '');

/** Seeds a fresh organisation (demo:seed), starts the server on it and signs in the learners and the admin. */
export async function setUpEngine(env: EngineEnv, people: number, rec: Rec): Promise<EngineRun> {
  const dataDir = dataFolder();
  const seedSeconds = seed(dataDir, people, env);
  rec(`demo:seed ${count(people)} people`, `${seedSeconds.toFixed(1)} s`, '', null);
  const app = await startApp(dataDir, env);
  // Seeded learners with a password are person9 upwards; use those with training still to do.
  const candidates = await Promise.all(Array.from({ length: SIGN_IN_LEARNERS }, (_, i) => signIn(app.base, `person${9 + i}@demo1.example`)));
  const usable: string[] = [];
  for (const c of candidates) if ((await fetch(`${app.base}${SCENE_PATH}`, { headers: { cookie: c } })).status === 200) usable.push(c);
  if (usable.length < 2) throw new Error('the seed left fewer than two demo learners with training to do; try another BENCH_PEOPLE');
  const admin = await signIn(app.base, 'admin@demo1.example');
  return { env, dataDir, people, seedSeconds, app, learner: usable[0]!, learners: usable.slice(1), admin, scenePath: SCENE_PATH };
}

/** 2 and 3: the lesson scene page and the dashboard under 50 connections. */
export async function measurePages(run: EngineRun, reference: number | null, rec: Rec): Promise<void> {
  const target = (rps: number) => (reference ? rps / reference >= 0.8 : null);
  run.scene = await load(run.app.base + run.scenePath, run.learner);
  rec('2. lesson scene page, req/s', `${run.scene.rps.toFixed(0)}${ratio(run.scene.rps, reference)} (p50 ${run.scene.p50} ms, p99 ${run.scene.p99} ms, ${run.scene.errors} errors)`, '≥ 0.8 × reference', target(run.scene.rps));
  run.dashboard = await load(`${run.app.base}/`, run.learner);
  rec('3. dashboard, req/s', `${run.dashboard.rps.toFixed(0)}${ratio(run.dashboard.rps, reference)} (p50 ${run.dashboard.p50} ms, p99 ${run.dashboard.p99} ms, ${run.dashboard.errors} errors)`, '≥ 0.8 × reference', target(run.dashboard.rps));
}

/**
 * 4. Quiz submissions: each learner loops start → open → submit (graded, a durable write), so every
 * request is a fresh attempt. The learners first finish the lessons over HTTP.
 */
export async function measureQuiz(run: EngineRun, reference: number | null, rec: Rec): Promise<void> {
  await Promise.all(run.learners.map((c) => finishLessons(run.app.base, c)));
  run.quiz = await quizLoop(run.learners.map((cookie) => ({ base: run.app.base, cookie })), SECONDS);
  rec(`4. quiz submission (fresh attempt each, graded, durable), submissions/s, bursts of ${run.learners.length} learners`,
    `${run.quiz.perSecond.toFixed(0)}${ratio(run.quiz.perSecond, reference)} req/s (p50 ${run.quiz.p50.toFixed(0)} ms per submit, ${run.quiz.errors} errors)`,
    '≥ 0.5 × reference', reference ? run.quiz.perSecond / reference >= 0.5 : null);
}

/** 5 and 6: the whole organisation's report and summary, and its CSV export. */
export async function measureReports(run: EngineRun, rec: Rec): Promise<void> {
  const { base } = run.app;
  // Latency as one manager sees it (1 connection), then throughput with 10 at once.
  const report = await load(`${base}/reports`, run.admin, 1);
  const report10 = await load(`${base}/reports`, run.admin, 10);
  rec(`5. report page, ${count(run.people)} people, whole organisation`, `p50 ${report.p50} ms, p99 ${report.p99} ms; ${report10.rps.toFixed(1)} req/s with 10 connections`, 'p50 < 100 ms', report.p50 < 100);
  const team = await load(`${base}/team`, run.admin, 1);
  rec('5. organisation summary (/team)', `p50 ${team.p50} ms, p99 ${team.p99} ms`, 'p50 < 100 ms', team.p50 < 100);

  // Peak RSS is measured over the export alone when the kernel lets us reset it (it includes the
  // server's baseline: Node, the libraries and, on SQLite, the database pages memory-mapped).
  const pid = run.app.child.pid!;
  const before = memoryMb(pid);
  const reset = resetPeakRss(pid);
  const t0 = performance.now();
  const csv = await fetch(`${base}/reports/export.csv`, { headers: { cookie: run.admin } });
  const bytes = (await csv.arrayBuffer()).byteLength;
  const csvSeconds = (performance.now() - t0) / 1000;
  const after = memoryMb(pid);
  rec(`6. CSV export of ${count(run.people)} rows`,
    `${csvSeconds.toFixed(2)} s, ${(bytes / 2 ** 20).toFixed(1)} MiB, server peak RSS ${after.peak.toFixed(0)} MB${reset ? ' during the export' : ' (whole run)'} `
    + `(before: ${before.anon.toFixed(0)} MB private + ${before.file.toFixed(0)} MB file-backed; after: ${after.anon.toFixed(0)} + ${after.file.toFixed(0)} MB)`,
    '< 1 s, RSS < 150 MB', csvSeconds < 1 && after.peak < 150);
}

/** 8. A new server process on the same data, to its first 200 on /healthz. */
export async function measureColdStart(run: EngineRun, rec: Rec): Promise<void> {
  const cold = await startApp(run.dataDir, run.env);
  rec('8. cold start to first 200 on /healthz', `${cold.coldStartMs.toFixed(0)} ms`, '< 1.5 s', cold.coldStartMs < 1500);
  cold.child.kill('SIGTERM');
}

/**
 * 12. Two app processes on the same database (PostgreSQL): both loaded at once, one autocannon run per
 * instance in parallel (50 connections each), summed, against the one-instance figures measured above
 * (rows 2–4). Both instances share the data folder, so a session cookie from one is good on the other.
 * On a machine of 2 cores the two servers, PostgreSQL and the load generator share those 2 cores.
 */
export async function measureTwoInstances(run: EngineRun, rec: Rec): Promise<Record<string, unknown>> {
  const second = await startApp(run.dataDir, run.env);
  try {
    const bases = [run.app.base, second.base];
    const both = async (pathname: string) => {
      const [a, b] = await Promise.all(bases.map((base) => load(base + pathname, run.learner)));
      return { rps: a!.rps + b!.rps, each: [a!.rps, b!.rps], p50: Math.max(a!.p50, b!.p50), p99: Math.max(a!.p99, b!.p99), errors: a!.errors + b!.errors };
    };
    const line = (two: Awaited<ReturnType<typeof both>>, one: Load) =>
      `${two.rps.toFixed(0)} (${two.each.map((r) => r.toFixed(0)).join(' + ')}; p50 ≤ ${two.p50} ms, p99 ≤ ${two.p99} ms, ${two.errors} errors) against ${one.rps.toFixed(0)} on one = ${(two.rps / one.rps).toFixed(2)} ×`;
    // The first instance is warm from rows 2–5; the new one gets the same pages for 2 s, untimed, first
    // (V8's optimisation, the template cache, its pool's connections).
    for (const pathname of [run.scenePath, '/']) await load(second.base + pathname, run.learner, 10, 2);
    const scene = await both(run.scenePath);
    rec(`12. two instances, lesson scene page, req/s (${CONNECTIONS} connections each)`, line(scene, run.scene!), '', null);
    const dashboard = await both('/');
    rec(`12. two instances, dashboard, req/s (${CONNECTIONS} connections each)`, line(dashboard, run.dashboard!), '', null);
    // The same learners, alternately on either instance, in one burst.
    const quiz = await quizLoop(run.learners.map((cookie, i) => ({ base: bases[i % 2]!, cookie })), SECONDS);
    rec(`12. two instances, quiz submission, submissions/s, bursts of ${run.learners.length} learners split over both`,
      `${quiz.perSecond.toFixed(0)} (p50 ${quiz.p50.toFixed(0)} ms per submit, ${quiz.errors} errors) against ${run.quiz!.perSecond.toFixed(0)} on one = ${(quiz.perSecond / run.quiz!.perSecond).toFixed(2)} ×`, '', null);
    return { scene, dashboard, quiz };
  } finally {
    second.child.kill('SIGTERM');
  }
}
