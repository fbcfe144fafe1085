/**
 * Folds what an IME or a pasted dialog produces into one form: full-width letters and digits to ASCII (NFKC),
 * odd dashes between letters or digits to a plain hyphen, odd spaces to plain ones. Case is kept, so codes can
 * still be matched case-insensitively and names keep their spelling.
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/(?<=[0-9A-Za-z])[\u2010-\u2015\u2212\u30fc\uff70](?=[0-9A-Za-z])/g, '-')
    .replace(/[\u00a0\u3000\u200b\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
