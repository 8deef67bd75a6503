import type { Finding } from './checks';

// Course Markdown names the organisation's contacts by placeholder ("call {{privacy_officer_phone}}"),
// filled from the settings when a page is shown (contacts.ts), so no lesson invents a privacy officer
// that reads like a real one. This file knows the names and where they may stand.

export const PLACEHOLDERS = ['privacy_officer', 'privacy_officer_phone', 'privacy_officer_email', 'hotline', 'organisation'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** `{{name}}`, spaces inside the braces allowed. */
export const PLACEHOLDER_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** The placeholder names written in a text that are not known (authors' typos), in order, once each. */
export function unknownPlaceholders(text: string): string[] {
  const names = [...text.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !isPlaceholder(n)))];
}

/** Keys whose value is Markdown rendered at view time (content/FORMAT.md), where placeholders are filled. */
const MARKDOWN_KEYS = new Set(['intro', 'narrative', 'feedback', 'explanation', 'concept']);
const isMarkdownPath = (at: string) => MARKDOWN_KEYS.has(at.split('.').pop()!.replace(/\[\d+\]$/, '')) || at === 'policy.text';

/**
 * Placeholders in a parsed course file: only known names, and only in Markdown fields (a choice label
 * or a prompt is shown verbatim, so "{{hotline}}" there would reach the learner as typed).
 */
export function checkPlaceholders(file: unknown, at = ''): Finding[] {
  if (typeof file === 'string') {
    if (!file.includes('{{')) return [];
    if (!isMarkdownPath(at)) {
      return [...file.matchAll(PLACEHOLDER_PATTERN)].length
        ? [{ path: at, reason: 'placeholders are filled only in Markdown fields (intro, narrative, feedback, explanation, concept, policy text); write the text out here' }]
        : [];
    }
    return unknownPlaceholders(file).map((n) => ({ path: at, reason: `unknown placeholder "{{${n}}}" (use one of ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})` }));
  }
  if (Array.isArray(file)) return file.flatMap((v, i) => checkPlaceholders(v, `${at}[${i}]`));
  if (file && typeof file === 'object') return Object.entries(file).flatMap(([k, v]) => checkPlaceholders(v, at ? `${at}.${k}` : k));
  return [];
}
