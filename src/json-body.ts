import { HdErrors } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** No activity, card or API body we accept nests anywhere near this deep (an Adaptive Card submit is about 10). */
export const MAX_JSON_DEPTH = 64;

/** The text of a JSON body; HD_ERR_BAD_ENCODING when its bytes are not valid UTF-8. */
export function decodeJsonText(body: string | Buffer): string {
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch {
    throw new HdErrors.BAD_ENCODING();
  }
}

/** True when no array or object inside `value` is nested deeper than `max` levels (checked without recursion). */
export function nestedAtMost(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() ?? [undefined, 0];
    if (typeof item !== 'object' || item === null) continue;
    if (depth > max) return false;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return true;
}
