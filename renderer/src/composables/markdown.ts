import DOMPurify from 'dompurify'
import { marked } from 'marked'

/**
 * Markdown (the model card) as HTML safe to insert: marked renders it, DOMPurify then removes anything
 * that could run (scripts, event attributes, javascript: links) — class names and paths in the card
 * are the user's text.
 */
export function renderMarkdown(md: string): string {
  const html = marked.parse(md, { async: false, gfm: true })
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } })
}
