import type { ChoiceAction, HelpdeskEvent } from '../../dialogs/types.js';
import { BUTTON_EVENTS, HANDOFF_BUTTONS } from './button-events.js';

/** Which part of the handoff a conversation is in, from its machine state's tags. */
export type HandoffMode = 'waiting' | 'relay' | 'rating' | 'confirm' | 'intake';

const END = String.raw`\s*[。．.!！]*\s*$`;
const BACK_TO_BOT = new RegExp(
  String.raw`^\s*(ボットに戻る|ボットにもどる|ボットに戻ります|ボットに戻りたい(です)?|ボットに戻して(ください)?|back\s+to\s+(the\s+)?bot)` + END,
  'i',
);
const CANCEL = new RegExp(
  String.raw`^\s*(依頼を取り消す|依頼を取り消します|依頼を取り消してください|チケットを取り消(す|します|してください)|取り消し(ます|てください)?|キャンセル(します|してください|したい(です)?)?|やっぱり(いい|大丈夫)です|もう(いい|大丈夫)です|cancel(\s+my\s+request|\s+(the\s+|my\s+)?ticket)?|never\s*mind)` + END,
  'i',
);
const YES = /^\s*(はい|うん|ええ|お願いします|取り消(す|します|してください)|戻(る|ります)|yes|yeah|yep|ok|okay|sure|please\s+do|go\s+ahead|cancel\s+it)\s*[、,]?\s*([。．.!！]|お願いします|please)*\s*$/i;
const NO = /^\s*(いいえ|いや|いえ|やめ(る|ます|ておきます)|残(す|します|してください)|待(つ|ちます)|取り消さない(です)?|no|nope|keep(\s+it)?|don'?t|wait)\s*[、,]?\s*([。．.!！]|です)*\s*$/i;
const SKIP = /^\s*(スキップ|省略|なし|無し|特にない|特になし|とくにない|説明を省略する|skip|none|nothing|no\s+description|n\/a)\s*(します|です)?\s*[。．.!！]*\s*$/i;
const RATING = /^\s*([1-5１-５])\s*(点|\/\s*5|out\s+of\s+5)?\s*[。．.!！]*\s*$/i;


function toDigit(char: string): number {
  const code = char.charCodeAt(0);
  return code >= 0xff10 ? code - 0xff10 : code - 0x30;
}

/**
 * Reads what the employee sent while a ticket is open or about to be. A click is its action. Typed text: waiting
 * or chatting with an agent, everything belongs to the ticket except the two commands ("back to bot", and cancel),
 * which then ask for a yes; asked that, yes/no; asked for one sentence before a ticket (intake), the sentence is the
 * description unless it says to skip; asked for a rating, a digit 1–5. Anything else goes through normal understanding.
 */
export function readHandoffInput(
  input: { text: string; action?: ChoiceAction | undefined },
  mode: HandoffMode | undefined,
): HelpdeskEvent | undefined {
  if (mode === undefined) return undefined;
  if (input.action) return HANDOFF_BUTTONS.has(input.action) ? BUTTON_EVENTS[input.action] : undefined;
  const trimmed = input.text.trim();
  if (trimmed === '') return undefined;
  switch (mode) {
    case 'rating': {
      const match = RATING.exec(trimmed);
      return match?.[1] ? { type: 'RATE', rating: toDigit(match[1]) } : undefined;
    }
    case 'intake':
      if (SKIP.test(trimmed)) return { type: 'SKIP_DESCRIPTION' };
      if (CANCEL.test(trimmed)) return { type: 'START_OVER' };
      return { type: 'DESCRIBE', text: trimmed.slice(0, 2000) };
    case 'confirm':
      if (YES.test(trimmed) || BACK_TO_BOT.test(trimmed) || CANCEL.test(trimmed)) return { type: 'CONFIRM_LEAVE' };
      if (NO.test(trimmed)) return { type: 'KEEP_TICKET' };
      return { type: 'USER_MESSAGE', text: trimmed };
    case 'waiting':
    case 'relay':
      if (BACK_TO_BOT.test(trimmed) || CANCEL.test(trimmed)) return { type: mode === 'relay' ? 'BACK_TO_BOT' : 'CANCEL_TICKET' };
      return { type: 'USER_MESSAGE', text: trimmed };
  }
}

/** The handoff mode of a machine snapshot, from the tags the conversation machine puts on its states. */
export function handoffModeOf(snapshot: { hasTag(tag: string): boolean }): HandoffMode | undefined {
  if (snapshot.hasTag('confirm')) return 'confirm';
  if (snapshot.hasTag('relay')) return 'relay';
  if (snapshot.hasTag('waiting')) return 'waiting';
  if (snapshot.hasTag('rating')) return 'rating';
  if (snapshot.hasTag('intake')) return 'intake';
  return undefined;
}
