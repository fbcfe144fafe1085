import { normaliseText } from './normalise-text.js';

/**
 * Language-neutral signals in a description of a problem. Each signal is one idea ("the connection drops",
 * "a certificate is involved") with its Japanese and English wordings side by side, so a message and its translation
 * give the same set of signals, and therefore the same runbook candidates. Runbooks say which signals point to them
 * (`signals:` in content/runbooks/*.yaml, with a weight), and content:check makes sure every id they use is here.
 *
 * Patterns run on width-folded, lower-cased text.
 */
export const SIGNALS = {
  /** The VPN itself, by name or by the products and protocols people know. */
  vpn: /vpn|ブイピーエヌ|ぶいぴーえぬ|リモートアクセス|remote\s*access|リモート\s*接続|remote\s+connection|リモート\s*サーバ|remote\s+server|globalprotect|anyconnect|forticlient|pulse\s*secure|sstp|pptp|トンネル|tunnel/,
  /** Reaching the company network from outside: what the VPN is for, even when the word is missing. */
  company: /社内(ネットワーク|網|システム|サーバ|サイト|ポータル|lan|のネット|のサイト|のページ|のシステム|のサーバ|のファイル|につなが|に(入|はい)れ|に接続|にアクセス)|会社(のネットワーク|につなが|に接続|のシステム)|イントラ|intranet|company\s+(network|system|server)|corporate\s+network|office\s+network|work\s+network|internal\s+(site|system|network)/,
  /** It was working and then stopped: drops, disconnects. */
  drops: /(?<!期限が?|電池が|バッテリーが)切れ|切断|落ち|途切れ|おちる|きれる|disconnect|drop|cut\s*off|cuts?\s+out|kicked\s+(off|out)|loses?\s+(the\s+)?connection|lost\s+(the\s+)?connection/,
  /** It never gets through. */
  cannotConnect: /見れな|見られな|開けな|開かな|表示されな|つなが(らな|らん|んな|りませ|れな)|繋が(らな|らん|んな|りませ|れな)|ができな|ができませ|できなくな|接続でき(な|ませ)|つなげ(な|られ)|接続に失敗|接続失敗|(入|はい)れ(な|ませ)|アクセスでき(な|ませ)|can'?t\s+(con+ec+t|get\s+(in|on|connected)|reach|access)|cannot\s+(con+ec+t|reach|access)|can\s+not\s+con+ec+t|won'?t\s+con+ec+t|unable\s+to\s+(con+ec+t|reach)|(doesn'?t|does\s+not|didn'?t|not)\s+con+ec+t|fails?\s+to\s+con+ec+t|connection\s+(fail|attempt)|not\s+con+ec+ting/,
  /** The wait ends in failure. */
  timeout: /タイムアウト|時間切れ|時間がかか|時間かか|ずっと(接続中|待|ぐるぐる)|待っても|しばらく待|待った(あと|後)|待たされ|接続中のまま|time[ds]?\s*out|timing\s*out|timeout|takes\s+(forever|ages|too\s+long)|forever|stuck\s+(on\s+)?connecting/,
  /** The other side does not answer. */
  noResponse: /応答(が)?(な|あり|しな|しま)|応答がない|応答して(い)?(な|ませ)|反応(が)?(な|しな)|not\s+respond|no\s+response|unresponsive|doesn'?t\s+respond|isn'?t\s+responding/,
  /** A user name, password or sign-in is refused. */
  credentials: /パスワード|ユーザー名|ユーザ名|資格情報|認証|サインイン|ログイン|password|user\s*name|credential|authenticat|sign[\s-]?in|log[\s-]?in/,
  /** Certificates. */
  certificate: /証明書|certificate|\bcerts?\b/,
  /** The certificate is missing, expired or not trusted. */
  certificateProblem:
    /(証明書|certificate|\bcert).{0,20}(見つから|ない|無い|切れ|期限|信頼|無効|エラー|error|not\s+found|missing|expired|not\s+trusted|untrusted|invalid)|(期限切れ|有効期限|信頼されていない|信頼できない|expired|untrusted|not\s+trusted|missing|\bno\s+(valid\s+)?(machine\s+|computer\s+|user\s+)?).{0,20}(証明書|certificate|cert)/,
  /** Something the user sent is turned down: credentials, a certificate, a key. */
  rejected: /受け入れられ(な|ませ)|受け付けられ(な|ませ)|認められ(な|ませ)|認識されな|拒否|弾かれ|はじかれ|違うと(言|い)われ|rejected|refused|not\s+accepted|unacceptable|not\s+recogni[sz]ed|denied|says?\s+(wrong|incorrect)/,
  /** It fails while still connecting, before it was ever up. */
  beforeConnected: /(つながる|繋がる|接続(する|の|が完了する)?|確立(する|される)?)(直)?前|接続中に(切|落)|途中で止ま|before\s+(it\s+)?(connects|connected|is\s+connected|establish)|while\s+(still\s+)?connecting|during\s+(the\s+)?connect|stops\s+halfway|halfway/,
  /** L2TP and its pre-shared key. */
  l2tp: /l2tp|事前共有|pre-?shared|\bpsk\b|共有キー|shared\s+(secret|key)|セキュリティ層|security\s+layer|最初のネゴシエーション|initial\s+negotiation/,
  /** The key exchange by name, for users who read the message on screen. */
  negotiation: /ネゴシエーション|negotiat|\bike\b|ikev2|ipsec|セキュリティ\s*アソシエーション|security\s+association|鍵交換|key\s+exchange/,
  /** Outside the office: home, a hotel, a café, a trip. */
  away: /自宅|家から|家で|在宅|ホテル|カフェ|出張|外出先|社外|テレワーク|リモートワーク|\bhome\b|hotel|cafe|café|coffee\s+shop|travel|remote\s+work|wfh|airport|空港/,
  /** A shared or public network that may block VPN traffic. */
  publicNetwork: /ホテル|カフェ|空港|公衆|フリー\s*wi-?fi|ゲスト|テザリング|hotel|cafe|café|airport|public\s+wi-?fi|guest\s+(wi-?fi|network)|hotspot|tethering/,
  /** It happens again and again, or after a while. */
  recurring: /毎回|何度も|たびに|度に|ごとに|毎時|しばらくすると|しばらくして|数分で|何分か|一定時間|時間おき|定期的|頻繁|よく|every\s+(time|hour|few|\d+)|hourly|after\s+a\s+(while|few)|keeps?|periodic|often|repeatedly|constantly|again\s+and\s+again/,
  /** A password was changed lately. */
  passwordChanged: /パスワード(を)?(変|更新)|パスワード変更|chang(e|ed|ing)\s+(my\s+|the\s+)?password|password\s+(change|reset|update)|new\s+password/,
  /** An error shows, with no code given. */
  errorShown: /エラー(が|に)?(出|で|表示|なる|になり)|エラーメッセージ|error\s+(message|pops|comes|shows|appears)|(get|got|getting|see|seeing)\s+an?\s+error|an\s+error\s+(appears|occurs)/,
  /** General unease with the VPN, no details. */
  unstable: /不安定|調子が(悪|わる|おかし)|おかしい|変です|使えな|動かな|壊れ|遅い|重い|unstable|flaky|not\s+working|doesn'?t\s+work|isn'?t\s+working|broken|acting\s+up|weird|slow|problem|issue|trouble|\bdown\b|落ちてる|止まってる/,
} as const satisfies Record<string, RegExp>;

export type SignalId = keyof typeof SIGNALS;

export const SIGNAL_IDS = Object.keys(SIGNALS) as SignalId[];

export function isSignalId(id: string): id is SignalId {
  return Object.hasOwn(SIGNALS, id);
}

/** The signals a message gives, in the order of SIGNALS. */
export function signalsOf(text: string): SignalId[] {
  const folded = normaliseText(text).toLowerCase();
  return SIGNAL_IDS.filter((id) => SIGNALS[id].test(folded));
}

/** Signals that put a message in the VPN world on their own (a password or a drop alone could be anything). */
export const VPN_WORLD: ReadonlySet<SignalId> = new Set<SignalId>(['vpn', 'company', 'l2tp', 'negotiation', 'certificateProblem']);

/** The message is about reaching the company from outside: a VPN signal, or "can't connect" from home or a hotel. */
export function inVpnWorld(signals: readonly SignalId[]): boolean {
  return signals.some((s) => VPN_WORLD.has(s)) || (signals.includes('away') && signals.includes('cannotConnect'));
}
