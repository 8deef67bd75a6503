import { isPlaceholder, PLACEHOLDER_PATTERN, type Placeholder } from './placeholders';

// Fills the contact placeholders of rendered course HTML with the organisation's settings, when a page
// is shown: a new phone number reaches every lesson at once, and no lesson names an invented officer.

/** The organisation's contacts as the settings hold them; an empty string is "not configured". */
export interface Contacts {
  organisation: string;
  privacyOfficer: string;
  privacyOfficerEmail: string;
  privacyOfficerPhone: string;
  hotline: string;
}

/** What a learner reads where a contact is not configured: true, if less helpful. */
export const NEUTRAL_WORDING: Readonly<Record<Placeholder, string>> = {
  organisation: 'your organisation',
  privacy_officer: 'your privacy officer',
  privacy_officer_email: 'your privacy officer\'s email address',
  privacy_officer_phone: 'your privacy officer\'s phone number',
  hotline: 'the privacy hotline',
};

const VALUE_OF: Readonly<Record<Placeholder, keyof Contacts>> = {
  organisation: 'organisation', privacy_officer: 'privacyOfficer', privacy_officer_email: 'privacyOfficerEmail',
  privacy_officer_phone: 'privacyOfficerPhone', hotline: 'hotline',
};

/** A tel: link dials the number without its extension ("+1 555 0100 x12" → tel:+15550100). */
export function telHref(phone: string): string {
  return `tel:${phone.replace(/\s*(?:x|ext\.?)\s*\d+$/i, '').replace(/[^0-9+]/g, '')}`;
}

/** A hotline written as a phone number ("1-800-555-0199", "+44 20 7946 0000 ext. 4") is dialled from the link. */
const PHONE_LIKE = /^\+?[\d\s().-]{7,}(?:\s*(?:x|ext\.?)\s*\d+)?$/i;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' })[c]!);

function filled(name: Placeholder, value: string): string {
  const text = escapeHtml(value);
  if (name === 'privacy_officer_phone' || (name === 'hotline' && PHONE_LIKE.test(value))) return `<a href="${escapeHtml(telHref(value))}">${text}</a>`;
  if (name === 'privacy_officer_email') return `<a href="mailto:${escapeHtml(encodeURI(value))}">${text}</a>`;
  return text;
}

/** The admins' marker; the hidden words say where the link goes when it is read out of its sentence. */
const NOT_CONFIGURED = '<a class="not-configured" href="/admin/settings">(not configured<span class="visually-hidden">: set it in the settings</span>)</a>';
/** Tags that start a new block of text, after which a neutral wording starts a sentence. */
const BLOCK_START = /^<(p|li|h[1-6]|td|th|blockquote|dd|dt)\b[^>]*>$/i;

/**
 * The HTML with every known placeholder in its text replaced: the configured value (escaped; phone
 * numbers as tel: links, email as mailto:) or the neutral wording, and for `markUnset` (people who can
 * change the settings) a "not configured" link to the settings page beside it. Placeholders inside tags
 * (an attribute) are left alone: markdown-it escapes `<` and `>` in text, so a tag is exactly `<...>`.
 */
export function fillContacts(html: string, contacts: Contacts, options: { markUnset: boolean }): string {
  if (!html.includes('{{')) return html;
  let afterBlockStart = true;
  return html.split(/(<[^>]*>)/).map((segment) => {
    if (segment.startsWith('<')) {
      afterBlockStart = BLOCK_START.test(segment);
      return segment;
    }
    const startsBlock = afterBlockStart;
    afterBlockStart = false;
    return segment.replace(PLACEHOLDER_PATTERN, (whole, raw: string, offset: number) => {
      if (!isPlaceholder(raw)) return whole;
      const value = contacts[VALUE_OF[raw]].trim();
      if (value) return filled(raw, value);
      const before = segment.slice(0, offset);
      const sentenceStart = (startsBlock && before.trim() === '') || /[.!?]\s+$/.test(before);
      const wording = NEUTRAL_WORDING[raw];
      const neutral = sentenceStart ? wording[0]!.toUpperCase() + wording.slice(1) : wording;
      return options.markUnset ? `${neutral} ${NOT_CONFIGURED}` : neutral;
    });
  }).join('');
}

/** The placeholders a text uses whose contact is not configured (for a notice to admins). */
export function unsetPlaceholders(text: string, contacts: Contacts): Placeholder[] {
  const used = [...text.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1]!).filter(isPlaceholder);
  return [...new Set(used)].filter((p) => !contacts[VALUE_OF[p]].trim());
}
