import type { Locale } from '../../dialogs/types.js';
import { normaliseText } from './normalise-text.js';
import { SIGNALS } from './signals.js';

export type Intent =
  | 'human'
  | 'not_fixed'
  | 'fixed'
  | 'unsure'
  | 'skip'
  | 'show_how'
  | 'help'
  | 'thanks'
  | 'none';

/** The ways to end a request that say nothing more: 「お願いします」, 「ください」, "please". */
const POLITE_END =
  /(?:を|って|と)?(?:お願い(?:します|いたします|致します|できますか)?|おねがいします|ください|下さい|くださいませ|したいです|したい|します|しましょう|できますか|ですか|です|ね|よ|please|pls|plz)?\s*[。．.!！?？、,〜~…\s]*$/i;

function core(text: string): string {
  return fold(text).replace(POLITE_END, '').trim();
}

/** Commands count only when the message IS the command: 「リセット」 is one, 「パスワードをリセットしたい」 is not. */
const START_OVER = /^(最初から(やり直(し|す|したい|します)?)?|はじめから(やり直(し|す|したい|します)?)?|初めから(やり直(し|す|したい|します)?)?|やり直(し|す|したい|します)?|リセット(する|して)?|会話を(リセット|やり直)(し|す)?|start\s+(over|again)|restart(\s+(the\s+)?(chat|conversation))?|reset(\s+(the\s+)?(chat|conversation))?|from\s+the\s+(beginning|start|top)|new\s+(problem|issue|question)|別の(問題|エラー|件|質問)(です|について|があります)?|another\s+(problem|issue|question))$/i;

export function isStartOverCommand(text: string): boolean {
  return START_OVER.test(core(text));
}

export type SmallTalk = 'hello' | 'morning' | 'evening' | 'otsukare' | 'bye';

const SMALL_TALK: ReadonlyArray<readonly [SmallTalk, RegExp]> = [
  ['morning', /おはよう(ございます)?|good\s+morning|morning/i],
  ['evening', /こんばんは|good\s+evening/i],
  ['otsukare', /お?疲れ(さま|様)(です|でございます)?|おつかれ(さま|様)?(です)?|おつ(です)?/i],
  ['bye', /さようなら|さよなら|失礼(します|いたします|しました)|またね|また(よろしく|お願い)|以上です|good\s*bye|bye(\s+bye)?|see\s+(you|ya)(\s+later)?|have\s+a\s+(good|nice)\s+(day|one)|that'?s\s+all/i],
  ['hello', /よろしくお願い(します|いたします|致します|申し上げます)|こんにちは|こんちは|こんにちわ|コンニチ[ハワ]|お世話になっております|お世話になります|お疲れ様でございます|はじめまして|初めまして|もしもし|どうも(こんにちは)?|やあ|hello|hi+|hey|hiya|good\s+(afternoon|day)|greetings|yo/i],
];

/** Words that may stand beside a greeting without adding a request. */
const GREETING_FILLER = /よろしく(お願い(します|いたします|致します|申し上げます))?|ボット(さん)?|bot|there|team|everyone|it|helpdesk|ヘルプデスク(さん)?|さん|様|です|ございます|[。．.!！?？、,〜~…\s]/gi;

/** A message that is only a greeting or a goodbye, and which one; undefined when it also says something else. */
export function smallTalkOf(text: string): SmallTalk | undefined {
  const folded = fold(text);
  for (const [kind, pattern] of SMALL_TALK) {
    const rest = folded.replace(new RegExp(pattern.source, 'gi'), '').replace(GREETING_FILLER, '');
    if (rest.length === 0 && pattern.test(folded)) return kind;
  }
  return undefined;
}

/**
 * What a request for a person says besides the request ("担当者と話したい。Outlook が開かない" → the whole text),
 * or undefined when it says nothing more ("人と話したいです").
 */
export function describesBesidesHuman(text: string): boolean {
  const rest = fold(text)
    .replace(new RegExp(HUMAN.source, 'gi'), '')
    .replace(/(と|に|で|を|が|は|から|の)?(話|はな|相談|代わ|かわ|つな|繋|連絡|対応|お願い|おねがい|して|したい|します|させて|ください|下さい|ほしい|欲しい|もらえ|いただけ|頂け|でしょう|できます|でき|たい|です|ます|ません|か|ね|よ)+/g, '')
    .replace(/\b(i|i'?d|want|would|like|need|to|can|could|please|pls|let|me|you|get|put|through|with|a|an|the|now|just|talk|speak|someone|somebody|person)\b/gi, '')
    .replace(/[^0-9a-z\u3040-\u30ff\u3400-\u9fff]/gi, '');
  return rest.length >= 4;
}

/**
 * Intent patterns, most specific first: "まだ解決しない" must be read as not fixed before "解決" can look like fixed,
 * and a request for a person wins over everything else a message says. Patterns run on width-folded, lower-cased
 * text, so full-width letters and "Talk To IT" match too.
 */
/**
 * Every common way to ask for a person, the telephone included. Exported so understanding can tell whether a
 * message says anything besides the request (that rest becomes the ticket's description).
 */
export const HUMAN =
  /担当者|担当の(人|方)|人と話|人に(相談|聞|代わ|かわ|つな|繋)|人間|誰か(と|に)|だれか(と|に)|オペレーター|オペレータ|有人|サポートの(人|方)|サポート窓口|詳しい(人|方)|itの(人|方|担当)|it部門|情シス|情報システム部|システム部の|ヘルプデスクの(人|方)|エスカレ|電話(で|を|して|ください|下さい|したい|します|希望|もらえ|いただけ|頂け|ほしい|欲しい|番号)|折り?返し(の)?(電話|連絡)|直接(話|相談|聞)|\b(talk|speak|chat)\s+(to|with)\s+(it|someone|somebody|anyone|anybody|a\s+human|a\s+person|an?\s+agent|support|the\s+helpdesk|helpdesk|the\s+help\s+desk|a\s+technician|an?\s+engineer|a\s+real\s+person|a\s+live\s+person|your\s+(team|colleague))\b|\b(human|live\s+agent|agent|operator|real\s+person|technician|escalate)\b|\bcall\s+(me|it|support|the\s+helpdesk|someone)\b|\b(phone|ring)\s+(me|support|someone)\b|\bgive\s+me\s+a\s+(call|ring)\b|\bby\s+phone\b|\bon\s+the\s+phone\b|\bphone\s+call\b|\b(get|need|want)\s+(a\s+)?(person|someone|somebody)\b|\bsomeone\s+(from|in)\s+it\b|\bcontact\s+(it|support|the\s+helpdesk|helpdesk)\b|\bphone\s+number\b|\bnumber\s+(i\s+can|to)\s+call\b|\bcall\s+(you|someone|somebody)\b/i;

const PATTERNS: ReadonlyArray<readonly [Intent, RegExp]> = [
  ['human', HUMAN],
  [
    'not_fixed',
    /まだ(解決|直|だめ|ダメ|駄目|つなが|繋が|接続|エラー|出|同じ|切れ)|解決しな|解決して(い)?な|解決しません|解決せず|直らな|直ってい?な|直りません|なおらな|なおりません|だめ|ダメ|駄目|つながらな|繋がらな|つながりません|繋がりません|接続できな|接続できません|できませんでした|できなかった|変わらな|変わりません|同じエラー|失敗|いいえ|無理|効果な|改善しな|改善されません|\bnot\s+(fixed|solved|working|resolved|connected|really)\b|\bstill\s+(not|broken|failing|fails|the\s+same|doesn'?t|does\s+not|can'?t|cannot|no|getting|get|having|same|there)\b|\b(didn'?t|doesn'?t|does\s+not|did\s+not|won'?t)\s+(work|help|connect|fix)\b|\bno\s+luck\b|\bsame\s+(error|problem|issue|thing)\b|\bnope\b|\bnah\b|^no\b|\bno,|\bunfortunately\s+not\b|\bnot\s+yet\b/i,
  ],
  [
    'fixed',
    /解決した|解決しました|解決です|解決できました|直った(?!り)|直りました|なおった(?!り)|なおりました|つながった(?!り|と思|ら|けど|のに|ものの)|つながりました(?!が)|繋がった(?!り|と思|ら|けど|のに|ものの)|繋がりました|接続できた(?!り)|接続できました|できました|うまくいった|うまくいきました|大丈夫です|大丈夫でした|問題なく|^はい|^ok|^おk|オッケー|いけました|治りました|治った|\b(fixed|solved|resolved)\b|\bit\s+works\b|\bthat\s+worked\b|\bworks\s+now\b|\bworking\s+now\b|\bworked\b|\bconnected\b|\ball\s+good\b|^(yes|yep|yeah|yup|ok|okay)\b/i,
  ],
  ['unsure', /わからな|分からな|判らな|わかりません|分かりません|不明|よくわか|自信がな|どうだろう|微妙|たぶん|多分|\bnot\s+sure\b|\bunsure\b|\bno\s+idea\b|\bdon'?t\s+know\b|\bdunno\b|\bmaybe\b|\bidk\b|\bnot\s+certain\b/i],
  ['skip', /スキップ|飛ばし|とばし|次へ|次に進|\bskip\b|\bnext\s+(step|one|check)\b/i],
  [
    'show_how',
    /具体的|どこを|どこで|どこに|どこから|どうやって|どうすれば|どうしたら|どうやる|やり方|方法|手順|詳しく|詳細|見方|開き方|見つからな|\bshow\s+me\b|\bhow\b|\bwhere\b|\bspecifically\b|\bdetails?\b|\bsteps?\b|\bexplain\b|\bmore\s+info/i,
  ],
  ['help', /^(ヘルプ|help|使い方|[?？]+|help\s*me|menu|メニュー|commands?|コマンド)[!！。.\s]*$|使い方を?教えて|何ができ|なにができ|何をしてくれ|何を(聞|き)けば|何を相談でき|\bwhat\s+can\s+you\s+do\b|\bwhat\s+do\s+you\s+do\b|\bhow\s+do\s+(i\s+)?use\s+(you|this\s+bot)\b/i],
  ['thanks', /ありがとう|有難う|助かりました|助かります|どうも|\bthanks?\b|\bthank\s+you\b|\bthx\b|\bty\b|\bcheers\b|\bappreciate/i],
  ['none', /どれも(違|ちが)|いずれも(違|ちが)|どれでもな|どれにも当てはまらな|当てはまらな|該当しな|該当なし|none\s+of\s+(these|them|those|the\s+above)|neither|not\s+(any|one)\s+of\s+(these|them)/i],
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

/** Words that make a message a description of a problem rather than an answer to a check (and VPN product names). */
const TOPIC =
  /vpn|ipsec|ike|l2tp|sstp|証明書|certificate|cert\b|パスワード|password|ユーザー名|username|user\s*name|認証|サインイン|sign[-\s]?in|log\s*in|ログイン|サーバー|server|接続先|タイムアウト|time[sd]?\s*out|切断|disconnect|drop|切れ|ネット|wi-?fi|network|回線|トンネル|tunnel|事前共有|pre-?shared|psk|社内|システム|在宅|テレワーク|リモート|remote|intranet|company\s+network|社外から/i;

export function mentionsTopic(text: string): boolean {
  const folded = fold(text);
  return TOPIC.test(folded) || SIGNALS.vpn.test(folded) || SIGNALS.company.test(folded);
}
