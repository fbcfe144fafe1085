/**
 * Folds what an IME or a pasted dialog produces into one form: full-width letters and digits to ASCII (NFKC),
 * odd dashes and spaces to plain ones, lower case kept separate so codes can still be matched case-insensitively.
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2010-\u2015\u2212\u30fc](?=[0-9a-fA-F])/g, '-')
    .replace(/[\u00a0\u3000]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
