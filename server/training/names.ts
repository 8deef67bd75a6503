/**
 * How a typed signature is compared with the name on record. Phones and keyboards write the same
 * name in different code points (an iPhone's curly apostrophe, a decomposed accent, a non-breaking
 * space, a name typed without its diacritics on a keyboard that has none), and none of that makes
 * it a different person's name. Letters themselves must still match.
 */

// Typographic punctuation a keyboard or autocorrect substitutes for the plain ASCII sign.
const PUNCTUATION: Readonly<Record<string, string>> = {
  '\u2019': "'", '\u2018': "'", '\u02bc': "'", '\u00b4': "'", '`': "'", '\u2032': "'", '\u201b': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"',
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
};

// Latin letters that carry their "diacritic" in the letter itself, so NFD does not split them off:
// folded to what someone without the letter on their keyboard types instead.
const LETTERS: Readonly<Record<string, string>> = {
  'đ': 'd', 'ð': 'd', 'ø': 'o', 'ł': 'l', 'ß': 'ss', 'ẞ': 'ss', 'æ': 'ae', 'œ': 'oe', 'þ': 'th', 'ı': 'i', 'ħ': 'h', 'ŧ': 't', 'ŀ': 'l', 'ƒ': 'f',
};

// Marks are dropped only after letters of scripts where they are optional or commonly left out when
// typing (Latin, Greek, Cyrillic accents; Arabic and Hebrew vowel points). Elsewhere a mark is part of
// the letter (Devanagari vowel signs, Japanese dakuten: が is not か) and is kept.
const OPTIONAL_MARKS = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Arabic}\p{Script=Hebrew}])\p{M}+/gu;
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/gu;
const SPACES = /[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+/gu;

function foldPunctuation(s: string): string {
  let out = '';
  for (const ch of s) out += PUNCTUATION[ch] ?? ch;
  return out;
}

/** The comparison form of a name: equal keys mean the same name as far as a signature is concerned. */
export function nameKey(name: string): string {
  // Punctuation first: NFKC would turn the acute accent (´) used as an apostrophe into a space and a mark.
  const lower = foldPunctuation(name).normalize('NFKC').replace(INVISIBLE, '').toLowerCase();
  const bare = lower.normalize('NFD').replace(OPTIONAL_MARKS, '$1');
  let folded = '';
  for (const ch of bare) folded += PUNCTUATION[ch] ?? LETTERS[ch] ?? ch;
  return folded.replace(SPACES, ' ').trim().normalize('NFC');
}

/** Whether a typed signature is the name on record (see nameKey). */
export function sameName(typed: string, onRecord: string): boolean {
  const key = nameKey(typed);
  return key.length > 0 && key === nameKey(onRecord);
}

/** The signature as stored: what was typed, composed (NFC) and without outer spaces. */
export function storedSignature(typed: string): string {
  return typed.normalize('NFC').trim();
}
