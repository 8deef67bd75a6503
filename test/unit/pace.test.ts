import path from 'node:path';
import type { Lesson } from '../../server/content/catalogue';
import { loadCatalogue } from '../../server/content/loader';
import { projectRoot } from '../../server/paths';
import { durationInWords, lessonMinimumSeconds, lessonWords, paceOf } from '../../server/learning/pace';

const scene = (id: string, narrative: string, choices: { next: string; feedback: string }[]) => ({
  id, kind: 'choice' as const, objectives: [], narrativeHtml: `<p>${narrative}</p>`, prompt: 'What now?',
  choices: choices.map((c, i) => ({ id: String.fromCharCode(97 + i), text: 'Do it', outcome: 'best' as const, feedbackHtml: `<p>${c.feedback}</p>`, reference: 'x', next: c.next })),
});
const words = (n: number) => Array.from({ length: n }, () => 'word').join(' ');

describe('minimum lesson time', () => {
  test('counts the words on the cheapest way to the end: a long detour does not raise the minimum', () => {
    const lesson: Lesson = {
      id: 'l', title: 'L', minutes: 5, objectives: [], objectiveIds: [], cast: [], introHtml: `<p>${words(500)}</p>`, takeaways: [],
      scenes: [
        scene('one', words(100), [{ next: 'two', feedback: words(20) }, { next: 'long', feedback: words(5) }]),
        scene('long', words(1000), [{ next: 'end', feedback: words(50) }]),
        scene('two', words(60), [{ next: 'end', feedback: words(400) }]),
      ],
    };
    // one: 100 + prompt 2 + options 2x2 = 106; feedback 20; two: 60 + 2 + 2 = 64. Intro and last feedback excluded.
    expect(lessonWords(lesson)).toBe(106 + 20 + 64);
    expect(lessonMinimumSeconds(lesson, 190)).toBe(60);
    expect(lessonMinimumSeconds(lesson, 0)).toBe(0);
  });

  test('a spot-the-PHI scene counts its narrative, prompt and draft, and leads on by its next with its feedback', () => {
    const phrase = (id: string, text: string, identifies: boolean) => ({ phrase: { id, text, identifies, feedbackHtml: `<p>${words(30)}</p>` } });
    const spot = (id: string, next: string) => ({
      id, kind: 'spot-phi' as const, objectives: [], narrativeHtml: `<p>${words(40)}</p>`, prompt: 'Tick every phrase', choices: [],
      // Draft: "Proud of our team. Mo in Room 12 went home." = 10 words, however the parts split it.
      spot: { parts: [{ text: 'Proud of ' }, phrase('team', 'our team', false), { text: '. ' }, phrase('who', 'Mo in Room 12', true), { text: ' went home.' }], feedbackHtml: `<p>${words(25)}</p>`, reference: 'x', next },
    });
    const lesson: Lesson = {
      id: 'l', title: 'L', minutes: 5, objectives: [], objectiveIds: [], cast: [], introHtml: '', takeaways: [],
      scenes: [spot('draft', 'two'), scene('two', words(60), [{ next: 'last', feedback: words(20) }]), spot('last', 'end')],
    };
    // draft: 40 + 3 + 10 = 53; its feedback 25; two: 60 + 2 + 2 = 64; feedback 20; last: 53 (its feedback comes after the timer).
    expect(lessonWords(lesson)).toBe(53 + 25 + 64 + 20 + 53);
  });

  test('every lesson of the shipped course has a minimum between one minute and its stated length', () => {
    const course = loadCatalogue(path.join(projectRoot, 'content')).courses[0]!;
    for (const l of course.lessons) {
      const s = lessonMinimumSeconds(l, 250);
      expect(s).toBeGreaterThan(60);
      expect(s).toBeLessThan(l.minutes * 60);
    }
  });

  test('says how long is left in words, rounded up', () => {
    expect(durationInWords(1)).toBe('1 second');
    expect(durationInWords(59)).toBe('59 seconds');
    expect(durationInWords(61)).toBe('2 minutes');
    expect(durationInWords(60)).toBe('1 minute');
    expect(paceOf(59, 60)).toBe('fast');
    expect(paceOf(60, 60)).toBe('ok');
  });
});
