import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StreamClient } from '../channels/directline-client.js';
import { openStream } from '../handoff/agent-stream.js';
import { AGENT_ENV, ALICE } from '../handoff/handoff-helpers.js';
import { history, Instance, openSocket, post, postgresSchema, startConversation, until, type DlConversation, type HistoryActivity } from './instances.js';

/**
 * Two real instances (child processes) on one PostgreSQL database, requests alternating between them, no sticky
 * sessions: every message reaches the socket wherever it is held, once, and a reconnect from the last watermark on the
 * other instance recovers everything.
 */
const CONVERSATIONS = 20;
const MESSAGES_EACH = 10;
const WORDS = ['エラー 809', 'ERROR_IPSEC_IKE_SA_REAPED', '0x000035F0', 'エラー 809', 'エラー 691', 'エラー 809', '0x000035F0', 'エラー 691', 'ERROR_IPSEC_IKE_SA_REAPED', 'エラー 809'];

function idsOf(socket: StreamClient): string[] {
  return socket.activities.filter((a) => a.type !== 'typing').map((a) => a.id ?? '');
}

function replyTo(activity: object): string | undefined {
  const value: unknown = Reflect.get(activity, 'replyToId');
  return typeof value === 'string' ? value : undefined;
}

describe('two instances on one PostgreSQL, round robin', { timeout: 600_000 }, () => {
  let db: Awaited<ReturnType<typeof postgresSchema>>;
  let a: Instance;
  let b: Instance;

  before(async () => {
    db = await postgresSchema();
    // One after the other: the first runs the migrations.
    a = await Instance.start({ DATABASE_URL: db.url, ...AGENT_ENV });
    b = await Instance.start({ DATABASE_URL: db.url, ...AGENT_ENV });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('delivers every message once to the socket wherever it is held, and a reconnect on the other instance recovers the rest', async () => {
    const instances = [a, b];
    let posted = 0;
    let lost = 0;
    let duplicated = 0;
    let unanswered = 0;
    let recoveredMissing = 0;
    let delivered = 0;
    const run = async (k: number) => {
      const user = `scale-user-${k}`;
      const holder = instances[k % 2] ?? a;
      const other = instances[(k + 1) % 2] ?? b;
      const conversation: DlConversation = await startConversation(other, user);
      let socket = await openSocket(holder, conversation);
      const sent: string[] = [];
      for (let i = 0; i < MESSAGES_EACH; i++) {
        const via = instances[(k + i) % 2] ?? a;
        // Halfway through, the socket drops; the client comes back on the other instance from its last watermark.
        if (i === MESSAGES_EACH / 2) {
          const watermark = socket.watermark;
          const seen = idsOf(socket);
          socket.close();
          const id = await post(via, conversation, WORDS[i] ?? 'はい', user);
          sent.push(id);
          posted++;
          let seenHistory: HistoryActivity[] = [];
          await until(
            async () => (seenHistory = await history(via, conversation)).some((x) => replyTo(x) === id),
            () => `no answer to ${id}: ${JSON.stringify(seenHistory.map((x) => [x.id, replyTo(x), x.text?.slice(0, 40)]))}`,
          );
          socket = await openSocket(other, conversation, watermark);
          const stored = await history(via, conversation);
          const after = stored.slice(stored.findIndex((x) => x.id === seen.at(-1)) + 1);
          await until(() => idsOf(socket).length >= after.length, () => `recovered ${idsOf(socket).length} of ${after.length}`);
          recoveredMissing += after.filter((x) => !idsOf(socket).includes(x.id)).length;
          continue;
        }
        const id = await post(via, conversation, WORDS[i] ?? 'はい', user);
        sent.push(id);
        posted++;
        await until(
          () => socket.activities.some((x) => x.type === 'message' && replyTo(x) === id),
          () => `conversation ${k}: no reply to message ${i} on the socket held by the other instance; got ${JSON.stringify(socket.botTexts())}`,
        );
      }
      const stored: HistoryActivity[] = await history(a, conversation);
      const onSocket = idsOf(socket);
      await until(() => idsOf(socket).includes(stored.at(-1)?.id ?? ''), () => 'the last stored activity never reached the socket');
      // Everything stored after the reconnect point reached the second socket once; nothing twice.
      const counts = new Map<string, number>();
      for (const id of idsOf(socket)) counts.set(id, (counts.get(id) ?? 0) + 1);
      duplicated += [...counts.values()].filter((n) => n > 1).length;
      const firstOnSocket = stored.findIndex((x) => x.id === onSocket[0]);
      lost += stored.slice(firstOnSocket).filter((x) => !counts.has(x.id)).length;
      delivered += stored.length;
      const silent = sent.filter((id) => !stored.some((x) => replyTo(x) === id));
      if (silent.length > 0) console.log(`unanswered in conversation ${k}: ${JSON.stringify(stored.map((x) => [x.id.slice(-3), replyTo(x)?.slice(-3), x.text?.slice(0, 30)]))}`);
      unanswered += silent.length;
      socket.close();
    };
    // Five employees at a time.
    for (let k = 0; k < CONVERSATIONS; k += 5) await Promise.all([0, 1, 2, 3, 4].map((j) => run(k + j)));
    console.log(`two instances: ${posted} user messages posted, ${delivered} activities stored; lost ${lost}, duplicated ${duplicated}, unanswered ${unanswered}, missing after reconnect ${recoveredMissing}`);
    assert.ok(posted >= 200);
    assert.equal(lost, 0);
    assert.equal(duplicated, 0);
    assert.equal(unanswered, 0);
    assert.equal(recoveredMissing, 0);
  });

  it('lets an agent on one instance chat with an employee whose socket is on the other, up to resolution', async () => {
    const consoleA = await openStream(a.port, ALICE);
    const consoleB = await openStream(b.port, ALICE);
    const user = 'scale-agent-user';
    const conversation = await startConversation(a, user);
    const socket = await openSocket(a, conversation);
    await post(b, conversation, '担当者と話したい', user);
    await until(() => socket.botTexts().length >= 2, () => 'no answer to the request for a person');
    const ask = await post(a, conversation, 'VPN に接続できません（エラー 809）', user);
    await until(() => socket.activities.some((x) => replyTo(x) === ask && /HD-\d{6}/.test(x.text ?? '')), () => `no ticket: ${JSON.stringify(socket.botTexts())}`);
    const number = /HD-(\d{6})/.exec(socket.botTexts().join('\n'))?.[1] ?? '';
    const ticketId = Number(number);
    // The ticket was created on instance B: the console on A sees it too.
    await consoleA.waitFor((e) => e.event.ticketId === ticketId && e.event.type === 'ticket.created');
    const agentPost = (path: string, body: object) =>
      fetch(`${b.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await agentPost(`/api/agent/tickets/${ticketId}/claim`, {})).status, 200);
    await consoleA.waitFor((e) => e.event.ticketId === ticketId && e.event.type === 'ticket.assigned');
    await until(() => socket.botTexts().some((t) => t.includes('alice')), () => `no "joined" notice: ${JSON.stringify(socket.botTexts())}`);
    const agentTexts: string[] = [];
    for (let i = 0; i < 20; i++) {
      const text = `エージェントからのメッセージ ${i}`;
      agentTexts.push(text);
      assert.equal((await agentPost(`/api/agent/tickets/${ticketId}/messages`, { text })).status, 202);
      if (i % 4 === 0) await post(i % 8 === 0 ? a : b, conversation, `社員の返事 ${i}`, user);
    }
    await until(() => agentTexts.every((t) => socket.botTexts().some((x) => x.endsWith(t))), () => `agent messages missing: ${JSON.stringify(socket.botTexts())}`);
    await consoleA.waitFor((e) => e.event.ticketId === ticketId && e.event.type === 'ticket.message' && e.event.text === 'エージェントからのメッセージ 19');
    await consoleB.waitFor((e) => e.event.ticketId === ticketId && e.event.type === 'ticket.message' && e.event.actor.kind === 'user');
    const agentLost = agentTexts.filter((t) => !socket.botTexts().some((x) => x.endsWith(t))).length;
    const agentDuplicated = agentTexts.filter((t) => socket.botTexts().filter((x) => x.endsWith(t)).length > 1).length;
    const before = socket.botTexts().length;
    assert.equal((await agentPost(`/api/agent/tickets/${ticketId}/resolve`, { note: 'VPN の証明書を更新しました' })).status, 200);
    await consoleA.waitFor((e) => e.event.ticketId === ticketId && e.event.type === 'ticket.resolved');
    await until(() => socket.botTexts().length > before, () => 'no resolution message');
    console.log(`agent across instances: ${agentTexts.length} agent messages; lost ${agentLost}, duplicated ${agentDuplicated}`);
    assert.equal(agentLost, 0);
    assert.equal(agentDuplicated, 0);
    consoleA.close();
    consoleB.close();
    socket.close();
  });
});
