import { plainText, type Message } from '../message.js';
import { escapeHtml } from './telegram.js';

/** An e-mail's subject, text and HTML parts for a message (SMTP and Resend), every value escaped. */
export function emailBody(m: Message): { subject: string; text: string; html: string } {
  const rows = m.facts.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const html = [
    `<h2>${escapeHtml(m.title)}</h2>`,
    `<p>${escapeHtml(m.summary)}</p>`,
    rows && `<table>${rows}</table>`,
    m.error && `<p><b>Error:</b> ${escapeHtml(m.error)}</p>`,
    m.logTail?.length && `<pre>${escapeHtml(m.logTail.join('\n'))}</pre>`,
    m.link && `<p><a href="${escapeHtml(m.link)}">Open in Berth</a></p>`,
  ]
    .filter(Boolean)
    .join('\n');
  return { subject: `[Berth] ${m.title}`, text: plainText(m, 20), html };
}
