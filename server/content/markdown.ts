import MarkdownIt from 'markdown-it';

// Raw HTML is off: course text is data, and anything that looks like a tag is shown as text.
// Links may only point to http(s) or mailto; markdown-it already refuses javascript: and data: URLs.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

export function renderMarkdown(text: string): string {
  return md.render(text);
}
