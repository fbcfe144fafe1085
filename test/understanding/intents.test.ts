import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectIntent, requestedLocale, type Intent } from '../../src/understanding/intents.js';
import { detectLocale } from '../../src/understanding/detect-locale.js';

describe('intents in Japanese and English', () => {
  const table: Array<[string, Intent]> = [
    ['解決しました', 'fixed'],
    ['つながりました！', 'fixed'],
    ['it works now', 'fixed'],
    ['まだ解決しない', 'not_fixed'],
    ['まだつながりません', 'not_fixed'],
    ['still not working', 'not_fixed'],
    ['わかりません', 'unsure'],
    ['not sure', 'unsure'],
    ['具体的には?', 'show_how'],
    ['どこを見ればいいですか', 'show_how'],
    ['how?', 'show_how'],
    ['担当者と話したい', 'human'],
    ['人と話したいです', 'human'],
    ['オペレーターお願いします', 'human'],
    ['talk to IT', 'human'],
    ['agent please', 'human'],
    ['最初から', 'start_over'],
    ['start over', 'start_over'],
    ['ヘルプ', 'help'],
    ['help', 'help'],
    ['ありがとうございました', 'thanks'],
    ['bye', 'thanks'],
  ];
  for (const [text, intent] of table) {
    it(`"${text}" → ${intent}`, () => assert.equal(detectIntent(text), intent));
  }

  it('accepts the Teams command titles', () => {
    assert.equal(detectIntent('ヘルプ'), 'help');
    assert.equal(detectIntent('最初からやり直す'), 'start_over');
    assert.equal(detectIntent('IT担当者と話す'), 'human');
    assert.equal(detectIntent('help'), 'help');
    assert.equal(detectIntent('start over'), 'start_over');
    assert.equal(detectIntent('talk to IT'), 'human');
  });

  it('does not take "つながったり切れたり" (on and off) for fixed', () => {
    assert.notEqual(detectIntent('VPNがつながったり切れたりする'), 'fixed');
  });

  it('"help" inside a problem description is not a request for the help text', () => {
    assert.notEqual(detectIntent('help! VPN keeps dropping'), 'help');
  });
});

describe('language', () => {
  it('reads the script: kana/kanji is Japanese, Latin words are English, codes alone say nothing', () => {
    assert.equal(detectLocale('VPNが切れます'), 'ja');
    assert.equal(detectLocale('VPN keeps dropping'), 'en');
    assert.equal(detectLocale('0x000035F0'), undefined);
  });

  it('hears a request to switch', () => {
    assert.equal(requestedLocale('英語で'), 'en');
    assert.equal(requestedLocale('英語でお願いします'), 'en');
    assert.equal(requestedLocale('in Japanese please'), 'ja');
    assert.equal(requestedLocale('日本語で'), 'ja');
    assert.equal(requestedLocale('VPNがつながらない'), undefined);
  });
});
