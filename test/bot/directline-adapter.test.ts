import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { ConnectorClient } from 'botframework-connector';
import type { Activity, TurnContext } from 'botbuilder';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { DirectLineAdapter, type BotReply, type DirectLineInbound } from '../../src/bot/directline-adapter.js';
import { createTurnErrorHandler } from '../../src/bot/turn-error.js';
import { loadContent } from '../../src/content/load-content.js';
import { projectRoot } from '../../src/project-root.js';
import { join } from 'node:path';
import { StreamClient } from '../channels/directline-client.js';
import { history, listen, postActivity, startConversation } from '../channels/directline-fixture.js';
import { buildApp, type TestApp } from '../helper.js';

const SECRET = 'test-directline-secret-0123456789abcdef';

/** The prototype that owns the Bot Connector REST client's transport (every ConnectorClient call goes through it). */
function connectorTransport(): { sendRequest: (...args: unknown[]) => unknown; sendOperationRequest: (...args: unknown[]) => unknown } {
  let proto: unknown = ConnectorClient.prototype;
  while (proto !== null && typeof proto === 'object' && !Object.prototype.hasOwnProperty.call(proto, 'sendRequest')) proto = Object.getPrototypeOf(proto);
  if (proto === null || typeof proto !== 'object') throw new Error('ConnectorClient has no sendRequest');
  return proto as ReturnType<typeof connectorTransport>;
}

describe('the Direct Line adapter', () => {
  let t: TestApp;
  let base: string;

  before(async () => {
    t = await buildApp({ DIRECTLINE_SECRET: SECRET });
    base = await listen(t);
  });
  after(async () => t.close());

  it('delivers a Web Chat reply to the WebSocket and the history without the Bot Connector client', async () => {
    const transport = connectorTransport();
    const sendRequest = mock.method(transport, 'sendRequest');
    const sendOperationRequest = mock.method(transport, 'sendOperationRequest');
    try {
      const s = await startConversation(base, SECRET, { user: { id: 'emp-adapter', name: 'Hanako Sato' } });
      const stream = await StreamClient.open(s.streamUrl);
      await stream.waitFor((c) => c.botTexts().some((text) => text.includes('IT ヘルプデスク')));
      await postActivity(base, s, { type: 'message', text: 'ERROR_IPSEC_IKE_SA_REAPED' }).expect(200);
      await stream.waitFor((c) => c.botTexts().some((text) => text.includes('VPN クライアントとネットワークの設定')));
      stream.close();
      const stored = await history(base, s);
      assert.ok(stored.some((a) => a.from?.role === 'bot' && a.text?.includes('VPN クライアントとネットワークの設定')), 'the reply is in the history');
      assert.equal(sendRequest.mock.callCount(), 0, 'no HTTP request through ConnectorClient');
      assert.equal(sendOperationRequest.mock.callCount(), 0, 'no Bot Connector operation');
    } finally {
      sendRequest.mock.restore();
      sendOperationRequest.mock.restore();
    }
  });
});

describe('DirectLineAdapter on its own', () => {
  const messages = loadContent(join(projectRoot(), 'content')).messages;
  const silent: FastifyBaseLogger = pino({ level: 'silent' });

  function recordingAdapter() {
    const delivered: Array<{ conversationId: string; reply: BotReply }> = [];
    const updated: Array<{ conversationId: string; activityId: string; reply: BotReply }> = [];
    const adapter = new DirectLineAdapter({
      sink: {
        async deliver(conversationId, reply) {
          delivered.push({ conversationId, reply });
          return `${conversationId}|${String(delivered.length).padStart(7, '0')}`;
        },
        async update(conversationId, activityId, reply) {
          updated.push({ conversationId, activityId, reply });
        },
      },
      bot: { id: 'helpdesk-bot', name: 'Helpdesk' },
      serviceUrl: 'http://127.0.0.1:3978/v3/directline',
      onTurnError: createTurnErrorHandler(messages, silent),
    });
    return { adapter, delivered, updated };
  }

  const inbound: DirectLineInbound = {
    type: 'message',
    id: 'conv-1|0000001',
    timestamp: new Date().toISOString(),
    conversationId: 'conv-1',
    user: { id: 'emp-1', name: 'Taro Yamada', email: 'taro@example.com' },
    locale: 'ja-JP',
    text: 'こんにちは',
  };

  it('hands the very objects the bot sends to the store (no JSON round trip), and replaces them in place', async () => {
    const { adapter, delivered, updated } = recordingAdapter();
    const buttons = { actions: [{ type: 'messageBack', title: '解決した', value: { kind: 'hd.choice', action: 'FIXED' } }], to: [] };
    let seen: Activity | undefined;
    await adapter.processInbound(inbound, async (context: TurnContext) => {
      seen = context.activity;
      const sent = await context.sendActivity({ type: 'message', text: '確認します。', suggestedActions: buttons });
      await context.updateActivity({ id: sent?.id, type: 'message', text: '確認しました。' });
    });
    assert.equal(seen?.channelId, 'webchat');
    assert.equal(seen?.from.id, 'emp-1');
    assert.deepEqual(Reflect.get(seen?.from ?? {}, 'properties'), { email: 'taro@example.com' });
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]?.conversationId, 'conv-1');
    assert.equal(delivered[0]?.reply.text, '確認します。');
    assert.equal(delivered[0]?.reply.suggestedActions, buttons, 'the same object, not a parsed copy');
    assert.equal(delivered[0]?.reply.replyToId, 'conv-1|0000001');
    assert.deepEqual(
      updated.map((u) => [u.conversationId, u.activityId, u.reply.text]),
      [['conv-1', 'conv-1|0000001', '確認しました。']],
    );
  });

  it('apologises through the shared turn-error handler when the turn fails', async () => {
    const { adapter, delivered } = recordingAdapter();
    await adapter.processInbound(inbound, async () => {
      throw new Error('the database went away');
    });
    assert.equal(delivered.length, 1);
    assert.match(delivered[0]?.reply.text ?? '', /申し訳/);
  });

  it('sends proactive messages into the conversation, not as a reply to anything', async () => {
    const { adapter, delivered } = recordingAdapter();
    await adapter.continueConversation(
      { channelId: 'webchat', activityId: 'conv-1|0000001', conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' } },
      async (context) => {
        await context.sendActivity('IT の佐藤です。');
      },
    );
    assert.deepEqual(
      delivered.map((d) => [d.conversationId, d.reply.text, d.reply.replyToId]),
      [['conv-1', 'IT の佐藤です。', undefined]],
    );
  });
});
