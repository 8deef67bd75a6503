// Marker words: the reasons, hedges and absolutes that test-wise readers use to rule a choice out
// without reading it ("because…", "as long as…", "nobody will…", "always"). content:check compares
// how often they appear in right and wrong answers; this list is the one place that names them.
export const MARKER_WORDS = [
  'because', 'since', 'as long as', 'so long as', 'nobody', 'no one', 'only', 'always', 'never',
  'anyone', 'all', 'every', 'any', 'none', 'just', 'unless',
] as const;

export type MarkerWord = (typeof MARKER_WORDS)[number];

// Whole words, any case; a phrase's words may be split by any run of spaces (or a hyphen in "no-one").
const PATTERNS: [MarkerWord, RegExp][] = MARKER_WORDS.map((m) => [m, new RegExp(`(?<![\\p{L}\\p{N}])${m.split(' ').join('[\\s-]+')}(?![\\p{L}\\p{N}])`, 'iu')]);

/** The marker words a text contains, in list order, each once. */
export function markersIn(text: string): MarkerWord[] {
  return PATTERNS.filter(([, re]) => re.test(text)).map(([m]) => m);
}
