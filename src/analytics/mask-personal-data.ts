/**
 * What the dashboard keeps of a message the bot did not understand: the words a content author needs, without the
 * personal data an employee may have typed. E-mail addresses, URLs with their query, phone numbers, IP addresses,
 * long numbers (employee, card, account numbers) and the employee's own name are replaced by a tag. Error codes
 * (0x…, 3–5 digit numbers) stay: they are what the author is looking for.
 */
const RULES: Array<[RegExp, string]> = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\bhttps?:\/\/[^\s"'<>]+/gi, '[url]'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}\b/g, '[ip]'],
  [/\b[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}\b/g, '[mac]'],
  // Phone numbers: +81 90-1234-5678, 03-1234-5678, 090 1234 5678, (03) 1234-5678.
  [/(?:\+\d{1,3}[\s-]?)?(?:\(\d{1,4}\)|\d{1,4})[\s-]\d{2,4}[\s-]\d{3,4}\b/g, '[phone]'],
  // Six or more digits in a row (an employee or card number); hexadecimal codes start with 0x and are kept.
  [/(?<![0-9A-Za-z])(?!0x)\d{6,}(?![0-9A-Za-z])/g, '[number]'],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** At most this much of a message is kept; twice as much is read, so a token cut at the end is never half-masked. */
const KEPT = 500;

export function maskPersonalData(text: string, names: readonly string[] = []): string {
  // Full-width digits, @, dots and hyphens count as their ASCII forms; the rest of the text keeps its own characters.
  // Only a bounded prefix is read: the patterns scan forward from every position, so a huge message must not stall.
  let masked = text.slice(0, KEPT * 2).replace(/[０-９＠．－]/g, (c) => c.normalize('NFKC'));
  for (const [pattern, tag] of RULES) masked = masked.replace(pattern, tag);
  for (const name of names) {
    // Each part of the name too ("Taro Yamada" → "Taro", "Yamada"), when it is long enough to mean something.
    const parts = [name, ...name.split(/[\s\u3000]+/)].map((p) => p.trim()).filter((p) => p.length >= 2);
    for (const part of [...new Set(parts)].sort((a, b) => b.length - a.length)) {
      masked = masked.replace(new RegExp(escapeRegExp(part), 'gi'), '[name]');
    }
  }
  return masked.replace(/\s+/g, ' ').trim().slice(0, KEPT);
}
