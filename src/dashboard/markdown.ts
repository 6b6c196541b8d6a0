// Reports rendered from markdown that nobody vetted: raw HTML in them is shown as text, and links keep
// only schemes that cannot run code, so the output is safe to put into the page.
import { Marked } from 'marked';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const SAFE_HREF = /^(?:https?:|mailto:|#|\/(?!\/)|\.{0,2}\/|[^:/?#]*(?:[/?#]|$))/i;

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    link({ href, title, tokens }) {
      const text = this.parser.parseInline(tokens);
      if (!SAFE_HREF.test(href)) return text;
      const titled = title ? ` title="${escapeHtml(title)}"` : '';
      return `<a href="${escapeHtml(href)}"${titled} rel="noopener noreferrer" target="_blank">${text}</a>`;
    },
    // Images would load from wherever the report points; the CSP blocks them anyway, so say what they are.
    image: ({ text, href }) => `<span class="md-image">[image: ${escapeHtml(text || href)}]</span>`,
  },
});

export function renderMarkdown(source: string): string {
  return marked.parse(source) as string;
}
