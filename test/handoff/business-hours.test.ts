import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp, ConnectorReceiver } from '../helper.js';
import { AGENT_ENV, Employee, escalate } from './handoff-helpers.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { availability, parseBusinessHours } from '../../src/handoff/business-hours.js';

describe('business hours (when IT answers)', () => {
  const tokyo = parseBusinessHours('mon-fri 09:00-18:00', '2026-12-29,2026-12-30,2026-12-31,2027-01-01', undefined);

  it('is open on a Tokyo weekday afternoon, whatever the server clock zone', () => {
    // 2026-12-01 (Tue) 14:00 JST = 05:00 UTC.
    assert.deepEqual(availability(tokyo, new Date('2026-12-01T05:00:00Z')), { openNow: true, nextOpen: null });
  });

  it('after hours, names the next opening: the next weekday at 9:00', () => {
    // Fri 2026-12-04 19:30 JST → Mon 12/7 9:00.
    assert.deepEqual(availability(tokyo, new Date('2026-12-04T10:30:00Z')), {
      openNow: false,
      nextOpen: { month: 12, day: 7, weekday: 1, time: '9:00' },
    });
    // Before opening on the same day: today at 9:00.
    assert.deepEqual(availability(tokyo, new Date('2026-12-01T23:30:00Z')).nextOpen, { month: 12, day: 2, weekday: 3, time: '9:00' });
  });

  it('skips holidays: over the new year the next opening is Monday 4 January', () => {
    assert.deepEqual(availability(tokyo, new Date('2026-12-29T02:00:00Z')), {
      openNow: false,
      nextOpen: { month: 1, day: 4, weekday: 1, time: '9:00' },
    });
  });

  it('reads several windows, day lists and other time zones; "always" is always open', () => {
    const hours = parseBusinessHours('mon,wed 08:00-12:00,13:00-17:00; sat 10:00-13:00', '', 'Europe/London');
    // Wed 2026-12-02 12:30 in London (UTC+0 in winter): lunch break, open again at 13:00.
    assert.deepEqual(availability(hours, new Date('2026-12-02T12:30:00Z')).nextOpen, { month: 12, day: 2, weekday: 3, time: '13:00' });
    assert.equal(availability(parseBusinessHours('always', '', ''), new Date()).openNow, true);
  });

  it('rejects bad settings at start-up, naming the variable', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ BUSINESS_HOURS: 'weekdays 9-18' }, /BUSINESS_HOURS/],
      [{ BUSINESS_HOURS: 'mon-fri 18:00-09:00' }, /ends before it starts/],
      [{ BUSINESS_HOLIDAYS: '29/12/2026' }, /BUSINESS_HOLIDAYS/],
      [{ BUSINESS_TZ: 'Mars/Olympus' }, /BUSINESS_TZ/],
      [{ AGENT_TOKENS: 'alice:1234' }, /AGENT_TOKENS.*alice/],
    ];
    for (const [env, message] of bad) {
      assert.throws(() => loadConfig({ DATA_DIR: '/tmp/x', ...env }), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    }
  });

  it('tells an employee who escalates on a holiday when someone will answer, in their language', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
    const receiver = new ConnectorReceiver();
    const serviceUrl = await receiver.start();
    const t = await buildApp({ ...AGENT_ENV, BUSINESS_HOURS: 'mon-sun 09:00-18:00', BUSINESS_HOLIDAYS: today });
    try {
      const ja = await escalate(new Employee(t.app, receiver, serviceUrl, 'a:holiday-ja'));
      assert.match(ja.texts.join('\n'), /現在は IT 窓口の受付時間外です。\d+月\d+日（[日月火水木金土]）9:00の受付開始後に、担当者から順番にご連絡します。返信はTeams のこのチャットに届きます。/);
      const en = new Employee(t.app, receiver, serviceUrl, 'a:holiday-en', { locale: 'en-US' });
      const texts = await en.say('talk to a human, the VPN is down');
      assert.match(texts.join('\n'), /IT is closed right now\. Someone will answer after they open at 9:00 on (Sun|Mon|Tue|Wed|Thu|Fri|Sat) \d+\/\d+, and the answer will arrive in this Teams chat\./);
    } finally {
      await t.close();
      await receiver.stop();
    }
  });
});
