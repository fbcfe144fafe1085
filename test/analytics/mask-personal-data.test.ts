import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskPersonalData } from '../../src/analytics/mask-personal-data.js';

describe('what the dashboard keeps of a message the bot did not understand', () => {
  const cases: Array<[string, string]> = [
    ['私のメールは taro.yamada@example.co.jp です', '私のメールは [email] です'],
    ['電話 090-1234-5678 までお願いします', '電話 [phone] までお願いします'],
    ['内線は ０３－１２３４－５６７８ です', '内線は [phone] です'],
    ['社員番号 1234567 でログインできない', '社員番号 [number] でログインできない'],
    ['PC は 10.1.2.3、MAC は 00:1A:2B:3C:4D:5E', 'PC は [ip]、MAC は [mac]'],
    ['https://intranet.example.com/vpn?user=taro を見ました', '[url] を見ました'],
    ['Yamada Taro です。VPN が遅い', '[name] [name] です。VPN が遅い'],
    // What content authors need stays: error codes, product words, Japanese punctuation.
    ['エラー 809 と 0x000035F0 が出ます！', 'エラー 809 と 0x000035F0 が出ます！'],
    ['VPNってなに？', 'VPNってなに？'],
  ];
  for (const [typed, kept] of cases) {
    it(`${typed} → ${kept}`, () => assert.equal(maskPersonalData(typed, ['Taro Yamada']), kept));
  }
});
