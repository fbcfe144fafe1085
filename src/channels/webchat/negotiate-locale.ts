export type WebChatLocale = 'ja-JP' | 'en-US';

/** ja-JP unless the browser ranks English above Japanese (Accept-Language), or the page asks with ?locale=. */
export function negotiateLocale(acceptLanguage: string | undefined, requested?: string): WebChatLocale {
  if (requested) {
    const tag = requested.toLowerCase();
    if (tag.startsWith('en')) return 'en-US';
    if (tag.startsWith('ja')) return 'ja-JP';
  }
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag !== '' && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'ja' || tag.startsWith('ja-')) return 'ja-JP';
    if (tag === 'en' || tag.startsWith('en-')) return 'en-US';
  }
  return 'ja-JP';
}
