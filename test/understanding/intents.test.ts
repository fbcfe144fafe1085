import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describesBesidesHuman, detectIntent, isStartOverCommand, requestedLocale, smallTalkOf, type Intent } from '../../src/understanding/intents.js';
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
    ['電話で相談したいです', 'human'],
    ['お電話いただけますか', 'human'],
    ['can someone call me?', 'human'],
    ['I want to speak to someone', 'human'],
    ['どれも違います', 'none'],
    ['ヘルプ', 'help'],
    ['help', 'help'],
    ['ありがとうございました', 'thanks'],
  ];
  for (const [text, intent] of table) {
    it(`"${text}" → ${intent}`, () => assert.equal(detectIntent(text), intent));
  }

  it('accepts the Teams command titles', () => {
    assert.equal(detectIntent('ヘルプ'), 'help');
    assert.ok(isStartOverCommand('最初からやり直す'));
    assert.equal(detectIntent('IT担当者と話す'), 'human');
    assert.equal(detectIntent('help'), 'help');
    assert.ok(isStartOverCommand('start over'));
    assert.equal(detectIntent('talk to IT'), 'human');
  });

  it('takes a command only when the message is the command', () => {
    for (const text of ['最初から', 'リセット', 'リセットしてください', 'やり直したいです', 'start over', 'Reset', 'restart please']) {
      assert.ok(isStartOverCommand(text), text);
    }
    for (const text of ['メールのパスワードをリセットしたい', 'Please reset my mail password', 'PCを再起動(restart)しました', '最初から VPN につながりません']) {
      assert.ok(!isStartOverCommand(text), text);
    }
  });

  it('tells greetings and goodbyes alone from greetings with a request', () => {
    assert.equal(smallTalkOf('おはようございます'), 'morning');
    assert.equal(smallTalkOf('お疲れさまです！'), 'otsukare');
    assert.equal(smallTalkOf('こんにちは、ボットさん'), 'hello');
    assert.equal(smallTalkOf('hi there'), 'hello');
    assert.equal(smallTalkOf('bye'), 'bye');
    assert.equal(smallTalkOf('失礼します'), 'bye');
    assert.equal(smallTalkOf('おはようございます。VPNがつながりません'), undefined);
    assert.equal(smallTalkOf('hello, my VPN keeps dropping'), undefined);
  });

  it('knows when a request for a person says something more', () => {
    assert.equal(describesBesidesHuman('人と話したいです'), false);
    assert.equal(describesBesidesHuman('担当者と話したい'), false);
    assert.equal(describesBesidesHuman('talk to a person please'), false);
    assert.equal(describesBesidesHuman('担当者と話したい。Outlook が起動しません'), true);
    assert.equal(describesBesidesHuman('can someone call me about my laptop screen'), true);
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
