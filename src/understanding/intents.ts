import type { Locale } from '../../dialogs/types.js';
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
 * and a request for a person wins over everything else a message says. Patterns run on width-folded, lower-cased
 * text, so full-width letters and "Talk To IT" match too.
 */
const PATTERNS: ReadonlyArray<readonly [Intent, RegExp]> = [
  [
    'human',
    /担当者|担当の方|人と話|人間|オペレーター|オペレータ|有人|サポートの(人|方)|サポート窓口|詳しい(人|方)|itの(人|方|担当)|情シス|情報システム部|ヘルプデスクの(人|方)|エスカレ|電話したい|電話で話|\b(talk|speak|chat)\s+(to|with)\s+(it|someone|somebody|a\s+human|a\s+person|an?\s+agent|support|the\s+helpdesk|helpdesk|a\s+technician|an?\s+engineer|a\s+real\s+person)\b|\b(human|live\s+agent|agent|operator|real\s+person|technician|escalate)\b|\bcall\s+(me|it|support)\b/i,
  ],
  ['start_over', /最初から|はじめから|初めから|やり直|リセット|\bstart\s+(over|again)\b|\brestart\s+(the\s+)?(chat|conversation)\b|\breset\b|\bfrom\s+the\s+(beginning|start|top)\b|\bnew\s+(problem|issue|question)\b|別の(問題|エラー|件)/i],
  [
    'not_fixed',
    /まだ(解決|直|だめ|ダメ|駄目|つなが|繋が|接続|エラー|出|同じ|切れ)|解決しな|解決して(い)?な|解決しません|解決せず|直らな|直ってい?な|直りません|なおらな|なおりません|だめ|ダメ|駄目|つながらな|繋がらな|つながりません|繋がりません|接続できな|接続できません|できませんでした|できなかった|変わらな|変わりません|同じエラー|失敗|いいえ|無理|効果な|改善しな|改善されません|\bnot\s+(fixed|solved|working|resolved|connected|really)\b|\bstill\s+(not|broken|failing|fails|the\s+same|doesn'?t|does\s+not|can'?t|cannot|no|getting|get|having|same|there)\b|\b(didn'?t|doesn'?t|does\s+not|did\s+not|won'?t)\s+(work|help|connect|fix)\b|\bno\s+luck\b|\bsame\s+(error|problem|issue|thing)\b|\bnope\b|\bnah\b|^no\b|\bno,|\bunfortunately\s+not\b|\bnot\s+yet\b/i,
  ],
  [
    'fixed',
    /解決した|解決しました|解決です|解決できました|直った(?!り)|直りました|なおった(?!り)|なおりました|つながった(?!り)|つながりました|繋がった(?!り)|繋がりました|接続できた(?!り)|接続できました|できました|うまくいった|うまくいきました|大丈夫です|大丈夫でした|問題なく|^はい|^ok|^おk|オッケー|いけました|治りました|治った|\b(fixed|solved|resolved)\b|\bit\s+works\b|\bthat\s+worked\b|\bworks\s+now\b|\bworking\s+now\b|\bworked\b|\bconnected\b|\ball\s+good\b|^(yes|yep|yeah|yup|ok|okay)\b/i,
  ],
  ['unsure', /わからな|分からな|判らな|わかりません|分かりません|不明|よくわか|自信がな|どうだろう|微妙|たぶん|多分|\bnot\s+sure\b|\bunsure\b|\bno\s+idea\b|\bdon'?t\s+know\b|\bdunno\b|\bmaybe\b|\bidk\b|\bnot\s+certain\b/i],
  ['skip', /スキップ|飛ばし|とばし|次へ|次に進|\bskip\b|\bnext\s+(step|one|check)\b/i],
  [
    'show_how',
    /具体的|どこを|どこで|どこに|どこから|どうやって|どうすれば|どうしたら|どうやる|やり方|方法|手順|詳しく|詳細|見方|開き方|見つからな|\bshow\s+me\b|\bhow\b|\bwhere\b|\bspecifically\b|\bdetails?\b|\bsteps?\b|\bexplain\b|\bmore\s+info/i,
  ],
  ['help', /^(ヘルプ|help|使い方|\?|？|help\s*me|menu|メニュー|commands?|コマンド)[!！。.\s]*$|使い方を?教えて|何ができ|なにができ|何をしてくれ|\bwhat\s+can\s+you\s+do\b|\bhow\s+do\s+(i\s+)?use\s+(you|this\s+bot)\b/i],
  ['thanks', /ありがとう|有難う|助かりました|どうも|失礼しました|さようなら|またね|以上です|\bthanks?\b|\bthank\s+you\b|\bthx\b|\bty\b|\bbye\b|\bcheers\b|\bgoodbye\b|\bsee\s+you\b|\bappreciate/i],
];

/** Answer-like intents that a description of a problem ("VPNにつながらない") can also look like. */
export const ANSWER_INTENTS: ReadonlySet<Intent> = new Set<Intent>(['not_fixed', 'unsure', 'skip', 'show_how']);

function fold(text: string): string {
  return normaliseText(text).toLowerCase();
}

/** The first intent a message expresses, in the order above, or undefined. */
export function detectIntent(text: string): Intent | undefined {
  const folded = fold(text);
  for (const [intent, pattern] of PATTERNS) {
    if (pattern.test(folded)) return intent;
  }
  return undefined;
}

const WANTS_ENGLISH =
  /英語で|英語に(して|切り替え|変え)|英語でお願い|英語表示|\b(in|to)\s+english\b|\benglish\s+(please|pls|plz)\b|^english[!.\s]*$|\bspeak\s+english\b|\bswitch\s+to\s+english\b/i;
const WANTS_JAPANESE =
  /日本語で|日本語に(して|切り替え|変え)|日本語でお願い|日本語表示|\b(in|to)\s+japanese\b|\bjapanese\s+(please|pls|plz)\b|^japanese[!.\s]*$|^日本語[!！。\s]*$|\bspeak\s+japanese\b|\bswitch\s+to\s+japanese\b|nihongo\s*de/i;

/** The language the user asks the bot to use ("英語で", "in Japanese please"), if the message asks for one. */
export function requestedLocale(text: string): Locale | undefined {
  const folded = fold(text);
  if (folded.length > 60) return undefined; // a long message that mentions English is about something else
  if (WANTS_ENGLISH.test(folded)) return 'en';
  if (WANTS_JAPANESE.test(folded)) return 'ja';
  return undefined;
}

/** Words that make a message a description of a problem rather than an answer to a check. */
const TOPIC =
  /vpn|ipsec|ike|l2tp|sstp|証明書|certificate|cert\b|パスワード|password|ユーザー名|username|user\s*name|認証|サインイン|sign[-\s]?in|log\s*in|ログイン|サーバー|server|接続先|タイムアウト|time[sd]?\s*out|切断|disconnect|drop|切れ|ネット|wi-?fi|network|回線|トンネル|tunnel|事前共有|pre-?shared|psk|社内|システム|在宅|テレワーク|リモート|remote|intranet|company\s+network|社外から/i;

export function mentionsTopic(text: string): boolean {
  return TOPIC.test(fold(text));
}
