import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MASK, maskSecrets } from '../../src/storage/mask-secrets.js';

const M = MASK;

/** [what the employee typed, what may be stored and shown to IT]. */
const JAPANESE: Array<[string, string]> = [
  ['パスワードはHunter2です', `パスワードは${M}です`],
  ['パスワードは hunter2 です。', `パスワードは ${M} です。`],
  ['パスワード：P@ssw0rd!', `パスワード：${M}`],
  ['パスワード: abc123', `パスワード: ${M}`],
  ['パスワードは「秘密のことば」です', `パスワードは「${M}」です`],
  ['ＰＳＫは ａｂｃ１２３ です', `ＰＳＫは ${M} です`],
  ['事前共有キーはvpn-Key-2024です', `事前共有キーは${M}です`],
  ['PSK: s3cr3t-psk', `PSK: ${M}`],
  ['暗証番号は1234', `暗証番号は${M}`],
  ['回復キーは123456-654321-111111です', `回復キーは${M}です`],
  ['VPNのパスワードってqwerty99？', `VPNのパスワードって${M}？`],
  // Sentences about a password, without one, stay as typed.
  ['パスワードが間違っていると言われます', 'パスワードが間違っていると言われます'],
  ['パスワードを変更したらVPNにつながらなくなりました', 'パスワードを変更したらVPNにつながらなくなりました'],
  ['パスワードがVPNで通らない', 'パスワードがVPNで通らない'],
  ['ERROR_IPSEC_IKE_SA_REAPED が出ます（0x80073600）', 'ERROR_IPSEC_IKE_SA_REAPED が出ます（0x80073600）'],
];

const ENGLISH: Array<[string, string]> = [
  ['password: hunter2', `password: ${M}`],
  ['My password is Hunter2!', `My password is ${M}`],
  ['Password=Tr0ub4dor&3', `Password=${M}`],
  ['the PSK is vpn-shared-2024', `the PSK is ${M}`],
  ['pre-shared key: abcDEF123', `pre-shared key: ${M}`],
  ['I changed my password to Spring2024', `I changed my password to ${M}`],
  ['my password is "correct horse battery"', `my password is "${M}"`],
  ['api key = AIzaSyA-1234567890abcdefghijklmnopqrstu', `api key = ${M}`],
  ['client secret: 8Q~abc.DEF_ghi-123', `client secret: ${M}`],
  // Sentences about a password, without one, stay as typed.
  ['my password is wrong', 'my password is wrong'],
  ['The password was expired.', 'The password was expired.'],
  ['I need to reset my password', 'I need to reset my password'],
  ['VPN error 809 after the password change', 'VPN error 809 after the password change'],
  ['Basic setup of the VPN client', 'Basic setup of the VPN client'],
];

/** Keys and tokens pasted without a label. */
const SHAPES: Array<[string, string]> = [
  ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl here', `token ${M} here`],
  ['Authorization: Bearer abcdefghijklmnop1234', `Authorization: ${M}`],
  ['Authorization: Basic dXNlcjpwYXNzd29yZA==', `Authorization: ${M}`],
  ['AKIAIOSFODNN7EXAMPLE を貼ります', `${M} を貼ります`],
  ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', M],
  ['sk-abcdefghijklmnopqrstuvwxyz123456', M],
  ['postgres://admin:Sup3rSecret@db.example.com/prod', `postgres://admin:${M}@db.example.com/prod`],
  ['key Xy7Qw9Lm3Np5Rs8Tv2Zb4Kc6Hd1Jf0Gq', `key ${M}`],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----', M],
  // Not secrets: error names, GUIDs, hex codes, plain long words.
  ['ERROR_INTERNET_SEC_CERT_REV_FAILED', 'ERROR_INTERNET_SEC_CERT_REV_FAILED'],
  ['correlation 3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'correlation 3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
  ['0x80070005 access denied', '0x80070005 access denied'],
];

describe('secrets typed into the chat are masked before they are stored', () => {
  for (const [name, table] of [
    ['Japanese', JAPANESE],
    ['English', ENGLISH],
    ['keys and tokens', SHAPES],
  ] as const) {
    it(`${name}: ${table.length} cases`, () => {
      for (const [typed, stored] of table) assert.equal(maskSecrets(typed), stored, `typed: ${typed}`);
    });
  }

  it('masking is idempotent (a masked text stays the same when masked again)', () => {
    for (const [typed] of [...JAPANESE, ...ENGLISH, ...SHAPES]) {
      const once = maskSecrets(typed);
      assert.equal(maskSecrets(once), once, typed);
    }
  });
});
