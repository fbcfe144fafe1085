import type { HelpdeskEvent } from '../../dialogs/types.js';

/** Which part of the handoff a conversation is in, from its machine state's tags. */
export type HandoffMode = 'waiting' | 'relay' | 'rating';

const END = String.raw`\s*[。．.!！]*\s*$`;
const BACK_TO_BOT = new RegExp(String.raw`^\s*(ボットに戻る|ボットにもどる|ボットに戻ります|ボットに戻して(ください)?|back\s+to\s+(the\s+)?bot)` + END, 'i');
const CANCEL = new RegExp(
  String.raw`^\s*(依頼を取り消す|依頼を取り消します|依頼を取り消してください|取り消し(ます|てください)?|キャンセル(します|してください)?|cancel(\s+my\s+request|\s+(the\s+)?ticket)?)` + END,
  'i',
);
const RATING = /^\s*([1-5１-５])\s*(点|\/\s*5|out\s+of\s+5)?\s*[。．.!！]*\s*$/i;

function toDigit(char: string): number {
  const code = char.charCodeAt(0);
  return code >= 0xff10 ? code - 0xff10 : code - 0x30;
}

/**
 * Reads what the employee typed while a ticket is open. Waiting or chatting with an agent, everything they write
 * belongs to the ticket, except the two commands ("back to bot", and cancel while still waiting). Asked for a rating,
 * a digit 1–5 (the buttons send their label) is the rating; anything else goes through normal understanding.
 */
export function readHandoffInput(text: string, mode: HandoffMode | undefined): HelpdeskEvent | undefined {
  const trimmed = text.trim();
  if (mode === undefined || trimmed === '') return undefined;
  if (mode === 'rating') {
    const match = RATING.exec(trimmed);
    return match?.[1] ? { type: 'RATE', rating: toDigit(match[1]) } : undefined;
  }
  if (BACK_TO_BOT.test(trimmed)) return { type: 'BACK_TO_BOT' };
  if (mode === 'waiting' && CANCEL.test(trimmed)) return { type: 'CANCEL_TICKET' };
  return { type: 'USER_MESSAGE', text: trimmed };
}

/** The handoff mode of a machine snapshot, from the tags the conversation machine puts on its handoff states. */
export function handoffModeOf(snapshot: { hasTag(tag: string): boolean }): HandoffMode | undefined {
  if (snapshot.hasTag('relay')) return 'relay';
  if (snapshot.hasTag('waiting')) return 'waiting';
  if (snapshot.hasTag('rating')) return 'rating';
  return undefined;
}
