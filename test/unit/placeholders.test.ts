import fs from 'node:fs';
import { fillContacts, unsetPlaceholders, type Contacts } from '../../server/content/contacts';
import { ContentError, loadCatalogue } from '../../server/content/loader';
import { renderMarkdown } from '../../server/content/markdown';
import { copyFixture, mutateYaml } from '../helpers/content';

type Doc = Record<string, unknown>;
type Scene = { narrative: string; prompt: string; choices: { text: string; feedback: string }[] };
const scenes = (d: Doc) => d.scenes as Scene[];

function problemsOf(dir: string): string[] {
  try {
    loadCatalogue(dir);
  } catch (e) {
    if (e instanceof ContentError) return e.problems;
    throw e;
  }
  return [];
}

const NONE: Contacts = { organisation: '', privacyOfficer: '', privacyOfficerEmail: '', privacyOfficerPhone: '', hotline: '' };

describe('placeholders in course files', () => {
  let dir: string;
  beforeEach(() => { dir = copyFixture(); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  test('known placeholders in Markdown fields load', () => {
    mutateYaml(dir, 'lessons/one.yaml', (d) => {
      d.intro = 'Ask {{privacy_officer}} or {{ hotline }}.';
      scenes(d)[0]!.choices[0]!.feedback = 'Tell {{privacy_officer_email}} at {{organisation}}, or call {{privacy_officer_phone}}.';
    });
    mutateYaml(dir, 'course.yaml', (d) => { (d.policy as Doc).text = 'Report to {{privacy_officer}}.'; });
    expect(problemsOf(dir)).toEqual([]);
  });

  test('an unknown placeholder is a load error naming the field and the known names', () => {
    mutateYaml(dir, 'lessons/one.yaml', (d) => { scenes(d)[0]!.narrative = 'Call {{privacy_oficer}}.'; });
    expect(problemsOf(dir)).toEqual([
      'courses/mini/lessons/one.yaml: scenes[0].narrative: unknown placeholder "{{privacy_oficer}}" (use one of {{privacy_officer}}, {{privacy_officer_phone}}, {{privacy_officer_email}}, {{hotline}}, {{organisation}})',
    ]);
  });

  test('a placeholder in a plain-text field (shown verbatim) is a load error', () => {
    mutateYaml(dir, 'lessons/one.yaml', (d) => { scenes(d)[0]!.choices[1]!.text = 'Call {{hotline}}.'; });
    mutateYaml(dir, 'quiz.yaml', (d) => { (d.questions as { prompt: string }[])[0]!.prompt = 'Who is {{privacy_officer}}?'; });
    expect(problemsOf(dir)).toEqual([
      expect.stringMatching(/^courses\/mini\/lessons\/one\.yaml: scenes\[0\]\.choices\[1\]\.text: placeholders are filled only in Markdown fields/),
      expect.stringMatching(/^courses\/mini\/quiz\.yaml: questions\[0\]\.prompt: placeholders are filled only in Markdown fields/),
    ]);
  });
});

describe('filling contacts', () => {
  test('a neutral wording starts a sentence with a capital letter, and mid-sentence without', () => {
    const out = fillContacts(renderMarkdown('{{hotline}} is open. Call {{hotline}}. Done! {{privacy_officer}} helps.\n\n- {{organisation}} policy'), NONE, { markUnset: false });
    expect(out).toBe('<p>The privacy hotline is open. Call the privacy hotline. Done! Your privacy officer helps.</p>\n<ul>\n<li>Your organisation policy</li>\n</ul>\n');
  });

  test('placeholders inside a tag (a link address or title) are left alone; unknown names stay as typed', () => {
    const html = renderMarkdown('[call]({{hotline}} "{{hotline}}") and **{{hotline}}** and {{nope}}');
    const out = fillContacts(html, { ...NONE, hotline: '555-0100' }, { markUnset: false });
    expect(out).toContain('title="{{hotline}}"');
    expect(out).toContain('<strong><a href="tel:5550100">555-0100</a></strong>');
    expect(out).toContain('{{nope}}');
  });

  test('the unset placeholders a text uses are listed once each', () => {
    expect(unsetPlaceholders('{{hotline}} {{privacy_officer}} {{hotline}} {{x}}', { ...NONE, privacyOfficer: 'Noor' })).toEqual(['hotline']);
  });
});
