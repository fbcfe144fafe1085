import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadErrorCatalog } from '../../src/understanding/error-catalog.js';
import { findErrorMentions } from '../../src/understanding/find-error-codes.js';

const catalog = loadErrorCatalog();
const names = (text: string) => findErrorMentions(text, catalog).map((m) => m.entry?.name ?? `?${m.raw}`);

describe('finding error codes in what employees type', () => {
  const SA_REAPED = 'ERROR_IPSEC_IKE_SA_REAPED';
  const forms: Array<[string, string]> = [
    ['0x000035F0', 'hex, zero-padded'],
    ['0x35f0', 'hex, lower case'],
    ['35F0', 'bare hex'],
    ['13808', 'decimal'],
    ['0x800735F0', 'HRESULT_FROM_WIN32'],
    ['80070000'.replace('0000', '35F0'), 'HRESULT without 0x'],
    ['-2147011088', 'HRESULT as a signed number'],
    [SA_REAPED, 'name'],
    ['error_ipsec_ike_sa_reaped', 'name in lower case'],
    ['０ｘ３５Ｆ０', 'full-width from a Japanese IME'],
    ['１３８０８', 'full-width digits'],
    ['エラーコード：３５Ｆ０', 'full-width after エラーコード and a colon'],
  ];
  for (const [text, form] of forms) {
    it(`reads ${form}: ${text}`, () => assert.deepEqual(names(text), [SA_REAPED]));
  }

  it('reads a RAS number after エラー, with or without a space, and inside a sentence', () => {
    assert.deepEqual(names('VPN エラー 809'), ['ERROR_VPN_TIMEOUT']);
    assert.deepEqual(names('エラー809がでてVPNつながりません'), ['ERROR_VPN_TIMEOUT']);
    assert.deepEqual(names('Error code: 691'), ['ERROR_AUTHENTICATION_FAILURE']);
  });

  it('finds the code in a pasted dialog and ignores its date, time, ports and Windows version', () => {
    const pasted = [
      '接続できませんでした',
      'Windows 11 / 2024/05/13 09:12:45 / UDP 500 と 4500 は開放済み',
      'リモート サーバーが応答していないため、ネットワーク接続を確立できませんでした。(エラー 809)',
    ].join('\n');
    assert.deepEqual(names(pasted), ['ERROR_VPN_TIMEOUT']);
  });

  it('does not read quantities, steps or IP addresses as error codes', () => {
    assert.deepEqual(names('3回再起動しました。手順 2 まで終わっています'), []);
    assert.deepEqual(names('サーバーは 192.168.100.200 です'), []);
    assert.deepEqual(names('It took 300 seconds'), []);
  });

  it('keeps a name and a code that disagree apart, each with its own catalog entry', () => {
    const mentions = findErrorMentions('0x00003612 – ERROR_IPSEC_IKE_SA_REAPEDが出ます', catalog);
    assert.deepEqual(
      mentions.map((m) => [m.kind, m.entry?.name, m.entry?.code]),
      [
        ['code', 'ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR', 13842],
        ['name', SA_REAPED, 13808],
      ],
    );
  });

  it('reports codes the catalog does not know, so the bot can say so', () => {
    const [unknown] = findErrorMentions('0x0000ABCD というエラーです', catalog);
    assert.equal(unknown?.raw, '0x0000ABCD');
    assert.equal(unknown?.entry, undefined);
  });
});
