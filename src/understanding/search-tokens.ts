import { normaliseText } from './normalise-text.js';

/**
 * Words for the symptom search, the same for the index and the query.
 * Latin words are lower-cased and lightly stemmed ("dropping", "drops" → "drop"); Japanese has no spaces, so a run
 * of kana/kanji becomes its overlapping character pairs ("勝手に切れる" → 勝手, 手に, に切, 切れ, れる), which finds
 * 切れる in 勝手に切れます without a dictionary. Katakana long vowels are kept; full-width forms are folded first.
 */
const RUN = /[a-z0-9]+|[\u3040-\u30ff\u3400-\u9fff\u3005]+/g;
const LATIN_STOP = new Set([
  'a', 'an', 'the', 'to', 'is', 'are', 'am', 'be', 'my', 'i', 'it', 'its', 'me', 'and', 'or', 'of', 'on', 'in', 'at',
  'with', 'for', 'this', 'that', 'from', 'but', 'so', 'just', 'again', 'please', 'pls', 'hi', 'hello', 'there',
  'can', 'get', 'got', 'im', 'ive', 'we', 'our', 'you', 'your', 'when', 'after', 'any', 'some', 'now', 'very',
]);
/** Polite endings and fillers that say nothing about the problem. */
const JA_STOP = new Set(['です', 'ます', 'まし', 'した', 'ませ', 'せん', 'でし', 'して', 'くだ', 'ださ', 'さい', 'てい', 'いま', 'すか', 'ので', 'けど']);

export function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  // "dropp" (from dropping/dropped) → "drop"
  if (w.length > 3 && /([bdfgklmnprt])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

export function searchTokens(text: string): string[] {
  const folded = normaliseText(text).toLowerCase().replace(/n't\b/g, ' not').replace(/['’]/g, '');
  const tokens: string[] = [];
  for (const run of folded.match(RUN) ?? []) {
    if (/^[a-z0-9]/.test(run)) {
      if (!LATIN_STOP.has(run)) tokens.push(stem(run));
      continue;
    }
    if (run.length === 1) {
      if (/[\u30a0-\u30ff\u3400-\u9fff]/.test(run)) tokens.push(run);
      continue;
    }
    for (let i = 0; i + 2 <= run.length; i++) {
      const pair = run.slice(i, i + 2);
      if (!JA_STOP.has(pair)) tokens.push(pair);
    }
  }
  return tokens;
}
