import type { Scene } from '../server/content/catalogue';
import { loadCatalogue } from '../server/content/loader';
import { contentDir } from '../server/paths';

// What learners do over HTTP in npm run bench: play the lessons through, and submit quizzes in bursts.

const COURSE = 'hipaa-social-media';
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const post = (url: string, cookie: string, body: string) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });

let scenes: Map<string, Scene> | null = null;
/** A scene of the bench's course, as the server reads it from content/. */
function spotScene(lesson: string, scene: string): Scene {
  scenes ??= new Map(loadCatalogue(contentDir).courses.find((c) => c.id === COURSE)!.lessons.flatMap((l) => l.scenes.map((sc) => [`${l.id}/${sc.id}`, sc] as const)));
  const found = scenes.get(`${lesson}/${scene}`);
  if (!found?.spot) throw new Error(`no spot-the-PHI scene ${lesson}/${scene} in ${COURSE}`);
  return found;
}

/** A page's main text, for an error message. */
const pageText = (html: string) => (/<main[\s\S]*?<\/main>/.exec(html)?.[0] ?? html).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 400);

/** Plays every lesson with the first option the page offers that moves on (a violation loops back). */
export async function finishLessons(base: string, cookie: string): Promise<void> {
  for (let guard = 0; guard < 400; guard += 1) {
    const course = await (await fetch(`${base}/courses/${COURSE}`, { headers: { cookie } })).text();
    const next = /href="(\/courses\/[^"]+\/lessons\/[^"]+)"/.exec(course.replace(/class="lesson lesson-completed"[\s\S]*?<\/li>/g, ''));
    if (!next) return;
    const page = await fetch(`${base}${next[1]}/play`, { headers: { cookie } });
    const html = await page.text();
    const form = /action="([^"]+\/scenes\/[^"]+)"/.exec(html);
    if (!form) continue;
    const spot = /\/lessons\/([^/]+)\/scenes\/([^/]+)\/marks$/.exec(form[1]!);
    if (spot) {
      // A spot-the-PHI draft repeats until it is marked right: tick exactly the phrases that identify the patient.
      const answer = new URLSearchParams({ _csrf: csrfIn(html) });
      for (const p of spotScene(spot[1]!, spot[2]!).spot!.parts) if ('phrase' in p && p.phrase.identifies) answer.append('phrase', p.phrase.id);
      await post(`${base}${form[1]}`, cookie, answer.toString());
      continue;
    }
    const choices = [...html.matchAll(/name="choice" value="([^"]+)"/g)].map((m) => m[1]!);
    await post(`${base}${form[1]}`, cookie, new URLSearchParams({ _csrf: csrfIn(html), choice: choices[guard % choices.length]! }).toString());
  }
}

export interface QuizFigures { perSecond: number; p50: number; errors: number; submitted: number; seconds: number }

/** One learner at one server: the server's address and the learner's session cookie. */
export interface Seat { base: string; cookie: string }

/**
 * Quiz submissions as a server sees them in a campaign: every learner has a fresh attempt open (started
 * and loaded beforehand, untimed), then all submit at once and the burst is timed, round after round
 * until `seconds` of submitting have been measured. Each submit is graded and written durably. The
 * seats may be spread over several servers on one database (two instances): the burst is one burst.
 */
export async function quizLoop(seats: Seat[], seconds: number): Promise<QuizFigures> {
  const times: number[] = [];
  let errors = 0;
  let submitting = 0;
  let submitted = 0;
  while (submitting < seconds * 1000) {
    const ready = await Promise.all(seats.map(async ({ base, cookie }) => {
      const start = await fetch(`${base}/courses/${COURSE}/quiz`, { headers: { cookie } });
      const open = await post(`${base}/courses/${COURSE}/quiz/attempts`, cookie, `_csrf=${encodeURIComponent(csrfIn(await start.text()))}`);
      const location = open.headers.get('location');
      if (!location) throw new Error(`opening a quiz attempt at ${base} answered ${open.status}: ${pageText(await open.text())}`);
      const url = `${base}${location}`;
      const page = await (await fetch(url, { headers: { cookie } })).text();
      const answers = new URLSearchParams({ _csrf: csrfIn(page) });
      const seen = new Set<string>();
      for (const m of page.matchAll(/name="(q_[^"]+)" value="([^"]+)"/g)) if (!seen.has(m[1]!)) { seen.add(m[1]!); answers.append(m[1]!, m[2]!); }
      return { cookie, url, body: answers.toString() };
    }));
    const burst = performance.now();
    await Promise.all(ready.map(async ({ cookie, url, body }) => {
      const t0 = performance.now();
      const res = await post(url, cookie, body);
      times.push(performance.now() - t0);
      if (res.status !== 303) errors += 1;
    }));
    submitting += performance.now() - burst;
    submitted += ready.length;
  }
  times.sort((a, b) => a - b);
  return { perSecond: submitted / (submitting / 1000), p50: times[Math.floor(times.length / 2)] ?? 0, errors, submitted, seconds: submitting / 1000 };
}
