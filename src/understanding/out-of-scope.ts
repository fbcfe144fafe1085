import type { OutOfScopeTopic } from '../../dialogs/types.js';
import { normaliseText } from './normalise-text.js';
import { inVpnWorld, signalsOf } from './signals.js';

/**
 * The common IT topics this bot does not handle (it handles VPN and Windows connection errors). Checked in this
 * order, so "Outlook keeps asking for my password" is about mail and "the office Wi-Fi password" about Wi-Fi, and
 * a password alone is an account question. A message that names the VPN world is never out of scope: see
 * `VPN_WORLD` in signals.ts. Patterns run on width-folded, lower-cased text.
 */
const TOPICS: ReadonlyArray<readonly [OutOfScopeTopic, RegExp]> = [
  ['wifi', /wi-?fi|ワイファイ|無線\s*lan|無線(につなが|に接続|が)|wireless|\bssid\b|アクセスポイント|access\s+point/],
  ['printer', /プリンタ|印刷|複合機|コピー機|スキャナ|トナー|紙詰まり|printer|\bprint(ing|s|ed)?\b|scanner|\bscan(ning)?\b|toner|paper\s+jam/],
  ['mail', /outlook|アウトルック|メール|e-?mail|\bmail(box)?\b|受信トレイ|inbox|exchange|gmail|thunderbird|添付ファイル/],
  [
    'office',
    /\bteams\b|チームズ|excel|エクセル|\bword\b|(?<!パス)ワード(?!ー)|powerpoint|パワポ|onedrive|ワンドライブ|sharepoint|シェアポイント|\bzoom\b|ズーム|webex|slack|(ms|microsoft)\s*(office|365)|\boffice\s*(365|app|のアプリ|アプリ)|\bm365\b|オフィス(製品|アプリ|ソフト)/,
  ],
  [
    'hardware',
    /(パソコン|pc|ノートpc|ノートパソコン)(が|の電源が)?(起動しな|立ち上がらな|つかな|動かな|壊れ|故障)|電源が(入らな|つかな)|画面が(映らな|うつらな|真っ暗|真っ黒|つかな|割れ|ちらつ)|ブルースクリーン|青い画面|モニタ|ディスプレイ|キーボード|マウス|バッテリー|充電|異音|ヘッドセット|イヤホン|webカメラ|カメラが|マイクが|スピーカー|ドッキング|keyboard|\bmouse\b|monitor|\bdisplay\b|\bscreen\b|battery|charg(e|er|ing)|blue\s+screen|\bbsod\b|headset|webcam|microphone|\bmic\b|speaker|docking|won'?t\s+(turn\s+on|boot|start\s+up|power)|hardware|laptop\s+(is\s+)?(broken|dead)/,
  ],
  [
    'access',
    /権限|アクセス権|アクセス許可|共有フォルダ|ファイルサーバ|インストール|ライセンス|(アカウント|id)を?(作|発行|追加)|新しいアカウント|利用申請|申請(したい|方法|をお願い)|permission|access\s+(to\s+(the\s+)?(folder|drive|share|site|system)|request|rights)|shared\s+(folder|drive)|file\s+server|\binstall|licen[cs]e|admin\s+rights|new\s+account|request\s+access/,
  ],
  [
    'account',
    /パスワード|ぱすわーど|パスコード|ロックアウト|ロックされ|ロックがかか|アカウント|多要素|二段階|二要素|認証アプリ|authenticator|サインインでき|ログインでき|ユーザー名を忘れ|password|passcode|locked\s+out|lockout|\baccount\b|\bmfa\b|\b2fa\b|two[-\s]factor|sign[\s-]?in|log[\s-]?in|logon/,
  ],
];

/** Names the VPN world; such a message is ours, whatever else it mentions. */
const VPN_WORLD =
  /vpn|ブイピーエヌ|ipsec|\bike(v2)?\b|l2tp|sstp|pptp|リモートアクセス|remote\s*access|globalprotect|anyconnect|forticlient|事前共有|pre-?shared|トンネル|tunnel|社内ネットワーク|社内網|イントラ|intranet|company\s+network|corporate\s+network/;

/** The out-of-scope topic a message is about, or undefined when it is ours (or about nothing we recognise). */
export function outOfScopeTopic(text: string): OutOfScopeTopic | undefined {
  const folded = normaliseText(text).toLowerCase();
  if (VPN_WORLD.test(folded)) return undefined;
  const topic = TOPICS.find(([, pattern]) => pattern.test(folded))?.[0];
  // "在宅で共有フォルダに入れない": reaching company resources from outside is the VPN's job, not an access request.
  if ((topic === 'access' || topic === 'account') && inVpnWorld(signalsOf(text))) return undefined;
  return topic;
}
