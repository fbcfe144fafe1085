import { normaliseText } from './normalise-text.js';

export type Intent =
  | 'human'
  | 'start_over'
  | 'not_fixed'
  | 'fixed'
  | 'unsure'
  | 'skip'
  | 'show_how'
  | 'help'
  | 'thanks';

/**
 * Intent patterns, most specific first: "まだ解決しない" must be read as not fixed before "解決" can look like fixed,
 * and a request for a person wins over everything else a message says.
 */
const PATTERNS: ReadonlyArray<readonly [Intent, RegExp]> = [
  [
    'human',
    /担当者|担当の方|人と話|人間|オペレーター|有人|サポートの(人|方)|詳しい(人|方)|itの(人|方)|エスカレ|\b(talk|speak|chat)\s+(to|with)\s+(it|someone|somebody|a\s+human|a\s+person|an?\s+agent|support|a\s+technician)\b|\b(human|agent|operator|real\s+person|technician|escalate)\b/i,
  ],
  ['start_over', /最初から|やり直|リセット|\bstart\s+(over|again)\b|\breset\b|\bfrom\s+the\s+(beginning|start)\b/i],
  [
    'not_fixed',
    /まだ(解決|直|だめ|ダメ|つなが|繋が|接続|エラー|出)|解決しない|解決していない|解決しません|直らな|直ってい?ない|直りません|だめ|ダメ|駄目|つながらな|繋がらな|接続できな|できませんでした|変わらな|変わりません|同じエラー|失敗|いいえ|無理|\bnot\s+(fixed|solved|working|resolved)\b|\bstill\s+(not|broken|failing|the\s+same|doesn'?t|does\s+not|can'?t|cannot)\b|\b(didn'?t|doesn'?t|does\s+not|did\s+not)\s+(work|help|connect)\b|\bno\s+luck\b|\bsame\s+error\b|\bnope\b|^no\b/i,
  ],
  [
    'fixed',
    /解決した|解決しました|解決です|直った|直りました|なおった|なおりました|つながった|つながりました|繋がった|繋がりました|接続できた|接続できました|できました|うまくいった|うまくいきました|大丈夫です|^はい|\b(fixed|solved|resolved)\b|\bit\s+works\b|\bworks\s+now\b|\bworking\s+now\b|\bconnected\b|^(yes|yep|yeah)\b/i,
  ],
  ['unsure', /わからな|分からな|わかりません|分かりません|不明|よくわか|\bnot\s+sure\b|\bunsure\b|\bno\s+idea\b|\bdon'?t\s+know\b/i],
  ['skip', /スキップ|飛ばし|とばし|\bskip\b/i],
  [
    'show_how',
    /具体的|どこを|どこで|どこに|どうやって|どうすれば|やり方|方法|手順|詳しく|見方|\bshow\s+me\b|\bhow\b|\bwhere\b|\bspecifically\b|\bdetails?\b|\bsteps?\b/i,
  ],
  ['help', /ヘルプ|使い方|何ができ|なにができ|^\?$|\bhelp\b/i],
  ['thanks', /ありがとう|助かりました|どうも|お疲れ|\bthanks?\b|\bthank\s+you\b|\bbye\b|\bcheers\b/i],
];

/** The first intent a message expresses, in the order above, or undefined. */
export function detectIntent(text: string): Intent | undefined {
  const normalised = normaliseText(text);
  for (const [intent, pattern] of PATTERNS) {
    if (pattern.test(normalised)) return intent;
  }
  return undefined;
}
