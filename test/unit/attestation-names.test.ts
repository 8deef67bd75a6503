import fc from 'fast-check';
import { nameKey, sameName, storedSignature } from '../../server/training/names';

// Letters as names on record hold them, with and without diacritics, in several Latin-script languages.
const LETTERS = [...'abcdefghijklmnopqrstuvwxyzáàâäãåčćçďđéèêëěğíìîïłľńñňóòôöõøőřšśşťúùûüůűýÿžźżßæœ', ...'ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ'];
const letter = fc.constantFrom(...LETTERS);
const word = fc.array(letter, { minLength: 1, maxLength: 10 }).map((cs) => cs.join(''));
const capitalised = word.map((w) => w.charAt(0).toUpperCase() + w.slice(1));
const joiner = fc.constantFrom(' ', ' ', ' ', '-', "'", ' O\'', ' d\'');
// A record name: words joined by spaces, hyphens or apostrophes, as names on record are written.
const recordName = fc.tuple(capitalised, fc.array(fc.tuple(joiner, capitalised), { minLength: 1, maxLength: 4 }))
  .map(([first, rest]) => first + rest.map(([j, w]) => j + w).join(''));

const APOSTROPHES = ['\u2019', '\u2018', '\u02bc', '\u00b4', '`', "'"];
const DASHES = ['\u2010', '\u2011', '\u2013', '\u2014', '-'];
const SPACES = [' ', '  ', '\u00a0', '\u2009', '\u3000', ' \t '];
const stripMarks = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '');
const ASCII_ONLY: Record<string, string> = { 'đ': 'd', 'Đ': 'D', 'ø': 'o', 'Ø': 'O', 'ł': 'l', 'Ł': 'L', 'ß': 'ss', 'æ': 'ae', 'œ': 'oe' };

/** What a keyboard, autocorrect or a hurried person does to a name without making it another name. */
type Transform = (s: string, pick: (n: number) => number) => string;
const transforms: Record<string, Transform> = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  curly: (s, pick) => s.replace(/'/g, () => APOSTROPHES[pick(APOSTROPHES.length)]!),
  dashes: (s, pick) => s.replace(/-/g, () => DASHES[pick(DASHES.length)]!),
  spaces: (s, pick) => s.replace(/ /g, () => SPACES[pick(SPACES.length)]!),
  padded: (s) => `  ${s} `,
  decomposed: (s) => s.normalize('NFD'),
  composed: (s) => s.normalize('NFC'),
  noDiacritics: (s) => stripMarks(s),
  asciiKeyboard: (s) => [...stripMarks(s)].map((c) => ASCII_ONLY[c] ?? c).join(''),
  fullWidth: (s) => s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
};
const transformNames = Object.keys(transforms);
const keyboard = fc.tuple(fc.array(fc.constantFrom(...transformNames), { minLength: 1, maxLength: 5 }), fc.infiniteStream(fc.nat()));

function typed(name: string, steps: string[], stream: Iterable<number>): string {
  const it = stream[Symbol.iterator]();
  const pick = (n: number) => (it.next().value as number) % n;
  return steps.reduce((s, step) => transforms[step]!(s, pick), name);
}

describe('attestation name comparison', () => {
  test('a name typed through any mix of keyboard changes still matches the record', () => {
    fc.assert(fc.property(recordName, keyboard, (name, [steps, stream]) => {
      const t = typed(name, steps, stream);
      expect({ name, steps, t, same: sameName(t, name) }).toEqual({ name, steps, t, same: true });
    }), { numRuns: 2000 });
  });

  test('a name with one letter changed to a different letter does not match', () => {
    fc.assert(fc.property(recordName, fc.nat(), fc.constantFrom(...'bkqxzv'), (name, at, replacement) => {
      const chars = [...name];
      const positions = chars.map((c, i) => (/\p{L}/u.test(c) ? i : -1)).filter((i) => i >= 0);
      const i = positions[at % positions.length]!;
      fc.pre(nameKey(chars[i]!) !== nameKey(replacement));
      chars[i] = replacement;
      expect(sameName(chars.join(''), name)).toBe(false);
    }), { numRuns: 2000 });
  });

  test('two different names do not match, whatever the keyboard does to one of them', () => {
    fc.assert(fc.property(recordName, recordName, keyboard, (a, b, [steps, stream]) => {
      fc.pre(nameKey(a) !== nameKey(b));
      expect(sameName(typed(b, steps, stream), a)).toBe(false);
    }), { numRuns: 1000 });
  });

  test.each([
    ['Mary-Kate O\u2019Brien', 'Mary-Kate O\'Brien'],
    ['mary\u2013kate  o\u02bcbrien', 'Mary-Kate O\'Brien'],
    ['Nguyen Thi Thu Huong', 'Nguyễn Thị Thu Hương'],
    ['NGUYEN THI THU HUONG', 'Nguyễn Thị Thu Hương'],
    ['Tran Van Duc', 'Trần Văn Đức'],
    ['Lukasz Walesa', 'Łukasz Wałęsa'],
    ['Soren Kierkegaard', 'Søren Kierkegaard'],
    ['Strasse', 'Straße'],
    ['Jose\u0301 Garci\u0301a', 'José García'],
    ['Zoë  Saldaña ', 'Zoe Saldana'],
    ['\u201cDoc\u201d Holliday', '"Doc" Holliday'],
    ['王秀英', '王秀英'],
    ['王\u3000秀英', '王 秀英'],
    ['ｱｲｺ', 'アイコ'],
    ['Ελένη Παπαδοπούλου', 'ελενη παπαδοπουλου'],
    ['Наталья Иванова', 'НАТАЛЬЯ ИВАНОВА'],
    ['محمد', 'مُحَمَّد'],
  ])('"%s" signs for "%s"', (typedName, record) => {
    expect(sameName(typedName, record)).toBe(true);
  });

  test.each([
    ['Mary Kate OBrien', 'Mary-Kate O\'Brien'],
    ['Nguyen Thi Thu Hung', 'Nguyễn Thị Thu Hương'],
    ['王秀', '王秀英'],
    ['かな', 'がな'],
    ['', ''],
    ['   ', 'A'],
    ['Anna', 'Hanna'],
  ])('"%s" does not sign for "%s"', (typedName, record) => {
    expect(sameName(typedName, record)).toBe(false);
  });

  test('the stored signature is what was typed, composed (NFC) and trimmed', () => {
    expect(storedSignature('  Jose\u0301 O\u2019Brien ')).toBe('José O\u2019Brien');
    expect(storedSignature('Jose\u0301').length).toBe(4);
  });
});
