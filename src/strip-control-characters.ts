/**
 * Control characters have no place in anything a person types or an API client sends as text, and some break
 * storage: PostgreSQL rejects U+0000 in text columns (SQLite takes it), so the same input would work on one
 * database and fail on the other. They are removed at the input boundary, from every string in a parsed body and
 * in the query string, so both databases see the same text. Tab, line feed and carriage return stay.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

export function stripControlText(text: string): string {
  return HAS_CONTROL.test(text) ? text.replace(CONTROL, '') : text;
}

/**
 * Cleans every string (values and keys) inside a parsed JSON value, in place where it can, without recursion (a
 * deeply nested body must not exhaust the stack). Returns the cleaned value.
 */
export function stripControlCharacters<T>(value: T): T {
  if (typeof value === 'string') return stripControlText(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        const child: unknown = item[i];
        if (typeof child === 'string') item[i] = stripControlText(child);
        else if (typeof child === 'object' && child !== null) stack.push(child);
      }
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    const record = item as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      const cleanKey = stripControlText(key);
      if (cleanKey !== key) {
        delete record[key];
        record[cleanKey] = child;
      }
      if (typeof child === 'string') record[cleanKey] = stripControlText(child);
      else if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return value;
}
