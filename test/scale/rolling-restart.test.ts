import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { INBOX_LEASE_MS } from '../../src/channels/directline/inbox-store.js';
import type { StreamActivity, StreamClient } from '../channels/directline-client.js';
import { history, Instance, openSocket, postgresSchema, resumeSocket, startConversation, tryPost, until, type DlConversation, type HistoryActivity } from './instances.js';

/**
 * A rolling restart of two instances under load: employees chat through Web Chat (Direct Line, a WebSocket stream
 * each) while instance 1 is stopped with SIGTERM and replaced, then instance 2. A load balancer without sticky
 * sessions sends each request to either instance. Clients behave like Web Chat: a stream closed with 1012 (or
 * dropped) reconnects, to the other instance first, from its last watermark; a POST that got no acknowledgement is
 * sent again with the same client activity id. Nothing the users were promised may be lost or doubled: every message
 * gets one answer, every stored activity reaches the user's screen once, and every instance exits 0.
 */
const CONVERSATIONS = 24;
/** Messages the current dialog always answers with a reply to them (error codes it recognises). */
const WORDS = ['エラー 809', 'ERROR_IPSEC_IKE_SA_REAPED', '0x000035F0', 'エラー 691'];
/** Messages each employee sends once both replacements are ready (the new instances carry the load too). */
const AFTER_RESTART = 2;
/** Longest a user waits for an answer before the test calls it lost (generous: the machine is small and shared). */
const ANSWER_MS = 45_000;
const ENV = {
  // These employees type faster than people do; the per-minute limit (60 by default) is not what is tested here.
  DIRECTLINE_ACTIVITIES_PER_MINUTE: '1000',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function replyTo(activity: StreamActivity | HistoryActivity): string | undefined {
  const value: unknown = Reflect.get(activity, 'replyToId');
  return typeof value === 'string' ? value : undefined;
}

/** Stored activities have ids `conversation|0000042`; typing indicators and outage notices are live only. */
function isStored(activity: StreamActivity): boolean {
  return activity.type !== 'typing' && /\|\d+$/.test(activity.id ?? '');
}

/**
 * The load balancer in front of two places. An instance is taken out of rotation shortly after it is signalled (as an
 * orchestrator removes a terminating pod's endpoint, which takes a moment to reach the balancer); its replacement
 * takes the place once it answers /readyz. Requests in flight per instance are counted, so the test can signal an
 * instance while it is busy.
 */
class Fleet {
  readonly slots: [Instance, Instance];
  private readonly out = new Set<Instance>();
  private readonly busy = new Map<Instance, number>();
  constructor(a: Instance, b: Instance) {
    this.slots = [a, b];
  }
  at(slot: number): Instance {
    return this.slots[slot % 2] ?? this.slots[0];
  }
  /** Where a request meant for `slot` goes: that place, or the other one while it is out of rotation. */
  route(slot: number): Instance {
    const preferred = this.at(slot);
    return this.out.has(preferred) ? this.at(slot + 1) : preferred;
  }
  takeOut(instance: Instance): void {
    this.out.add(instance);
  }
  inFlight(instance: Instance): number {
    return this.busy.get(instance) ?? 0;
  }
  async request<T>(instance: Instance, work: (instance: Instance) => Promise<T>): Promise<T> {
    this.busy.set(instance, this.inFlight(instance) + 1);
    try {
      return await work(instance);
    } finally {
      this.busy.set(instance, this.inFlight(instance) - 1);
    }
  }
}

interface Sent {
  clientActivityID: string;
  id: string;
  /** The instance that acknowledged it (and runs its turn). */
  via: Instance;
  answeredInMs?: number;
}

/** One employee in Web Chat: a conversation, a stream that reconnects like Web Chat's, messages one after another. */
class Employee {
  readonly user: string;
  conversation!: DlConversation;
  readonly sockets: StreamClient[] = [];
  readonly sent: Sent[] = [];
  /** Close codes of the streams this employee had (a graceful restart closes with 1012). */
  readonly closes: number[] = [];
  /** Answers to POSTs that were not an acknowledgement: a status, or the connection error. */
  readonly unacknowledged: string[] = [];
  resent = 0;
  reconnects = 0;
  failedReconnects = 0;
  /** Set when the test is over: a stream closing then is not reconnected. */
  finished = false;
  private holder = 0;
  private watching: Promise<void> = Promise.resolve();

  constructor(
    readonly k: number,
    private readonly fleet: Fleet,
  ) {
    this.user = `roll-user-${k}`;
  }

  /** Everything every stream of this employee delivered, in arrival order. */
  activities(): StreamActivity[] {
    return this.sockets.flatMap((s) => s.activities);
  }

  /** The last watermark any stream delivered (a fresh stream has none until its first activity set). */
  watermark(): string {
    for (const socket of [...this.sockets].reverse()) if (socket.watermark) return socket.watermark;
    return '';
  }

  /** The conversation starts through one instance and the stream is held by the other (no sticky sessions). */
  async start(): Promise<void> {
    const home = this.k % 2;
    this.conversation = await startConversation(this.fleet.at(home), this.user);
    this.holder = home + 1;
    this.sockets.push(await openSocket(this.fleet.at(this.holder), this.conversation));
    this.watching = this.keepConnected();
    await until(() => this.activities().some((a) => a.type === 'message' && a.from?.role === 'bot'), () => `conversation ${this.k}: no greeting`, ANSWER_MS);
  }

  /** Web Chat's behaviour: when the stream closes, reconnect from the last watermark, the other instance first. */
  private async keepConnected(): Promise<void> {
    for (;;) {
      const socket = this.sockets.at(-1);
      if (!socket) return;
      // A reconnect that completed as the test ended: nobody else will close it.
      if (this.finished) {
        socket.close();
        return;
      }
      const { code } = await socket.whenClosed;
      if (this.finished) return;
      this.closes.push(code);
      const deadline = Date.now() + 60_000;
      for (let attempt = 0; ; attempt++) {
        const slot = this.holder + 1 + attempt;
        try {
          this.sockets.push(await this.fleet.request(this.fleet.route(slot), (to) => resumeSocket(to, this.conversation, this.watermark())));
          this.holder = slot;
          this.reconnects++;
          break;
        } catch {
          // The instance is shutting down (503) or gone (connection refused): try the other one after a pause.
          this.failedReconnects++;
          if (this.finished || Date.now() > deadline) return;
          await sleep(Math.min(1000, 100 * (attempt + 1)));
        }
      }
    }
  }

  /**
   * Sends message `i` and waits for its answer on the stream. A POST without an acknowledgement (a 5xx, a refused or
   * reset connection, no answer in time) is sent again with the same client activity id, to the other instance
   * first; a 4xx is a defect and fails the test.
   */
  async say(i: number): Promise<void> {
    const text = WORDS[(this.k + i) % WORDS.length] ?? 'エラー 809';
    const clientActivityID = `roll-${this.k}-${i}`;
    const deadline = Date.now() + ANSWER_MS;
    let id: string | undefined;
    let via: Instance | undefined;
    for (let attempt = 0; id === undefined; attempt++) {
      if (attempt > 0) this.resent++;
      let status: number | undefined;
      try {
        via = this.fleet.route(this.k + i + attempt);
        const answer = await this.fleet.request(via, (to) => tryPost(to, this.conversation, text, this.user, clientActivityID));
        status = answer.status;
        if (answer.status === 200) id = answer.id;
        else if (answer.status < 500) throw new Error(`conversation ${this.k}: message ${i} refused with ${answer.status}: ${answer.body}`);
        else this.unacknowledged.push(String(answer.status));
      } catch (err) {
        if (status !== undefined && status < 500) throw err;
        const cause: unknown = err instanceof Error ? Reflect.get(err, 'cause') : undefined;
        this.unacknowledged.push(cause instanceof Error && 'code' in cause ? String(cause.code) : err instanceof Error ? err.name : String(err));
      }
      if (id === undefined) {
        if (Date.now() > deadline) throw new Error(`conversation ${this.k}: message ${i} was never acknowledged: ${this.unacknowledged.join(', ')}`);
        await sleep(Math.min(1000, 150 * (attempt + 1)));
      }
    }
    if (!via) throw new Error('unreachable: acknowledged by no instance');
    const sent: Sent = { clientActivityID, id, via };
    this.sent.push(sent);
    const started = Date.now();
    try {
      await until(() => this.activities().some((a) => a.type === 'message' && replyTo(a) === id), () => '', ANSWER_MS);
      sent.answeredInMs = Date.now() - started;
    } catch {
      // Counted as lost below; the employee carries on, as a real one would after giving up.
    }
  }

  /** Sends until the rolling restart is over, then a few more (they reach the replacements). */
  async run(restartOver: () => boolean): Promise<void> {
    let afterRestart = 0;
    for (let i = 0; afterRestart < AFTER_RESTART; i++) {
      if (restartOver()) afterRestart++;
      await this.say(i);
      // Reading the answer before typing the next message.
      await sleep(200 + ((this.k * 7 + i * 13) % 9) * 50);
    }
  }

  async stop(): Promise<void> {
    this.finished = true;
    for (const socket of this.sockets) socket.close();
    await this.watching;
  }
}

describe('a rolling restart of two instances under load', { timeout: 300_000 }, () => {
  let db: Awaited<ReturnType<typeof postgresSchema>> | undefined;
  const instances: Instance[] = [];
  after(async () => {
    // Only what a failed test left running; a passing test stopped everything itself and checked the exit codes.
    for (const instance of instances) if (instance.running) await instance.stop();
    await db?.drop();
  });

  it('loses no message, answers none twice, and every instance exits 0', async () => {
    db = await postgresSchema();
    // One after the other: the first runs the migrations.
    const first = await Instance.start({ DATABASE_URL: db.url, ...ENV });
    instances.push(first);
    const second = await Instance.start({ DATABASE_URL: db.url, ...ENV });
    instances.push(second);
    const fleet = new Fleet(first, second);
    const employees = Array.from({ length: CONVERSATIONS }, (_, k) => new Employee(k, fleet));
    await Promise.all(employees.map((e) => e.start()));

    let restartOver = false;
    const load = Promise.all(employees.map((e) => e.run(() => restartOver)));
    // A load failure (a 4xx, a message never acknowledged) ends the test at once instead of after the restart.
    let loadFailed: unknown;
    load.catch((err: unknown) => (loadFailed = err));
    await sleep(3000);

    // Each instance in turn, signalled while requests to it are in flight (under load there always are some): SIGTERM,
    // out of rotation half a second later, and its replacement starts meanwhile (as an orchestrator does). The next
    // instance is signalled only once the replacement answers /readyz and the old one has exited.
    const exitCodes: Array<number | null> = [];
    const inFlightAtStop: number[] = [];
    /** Messages a stopped instance acknowledged whose answer was not stored when it exited (left to a lease). */
    const leftBehind: string[] = [];
    const checkLeftBehind = async (old: Instance, reader: Instance) => {
      for (const e of employees) {
        const mine = e.sent.filter((s) => s.via === old);
        if (mine.length === 0) continue;
        const activities = await history(reader, e.conversation);
        for (const s of mine) if (!activities.some((a) => a.from?.role === 'bot' && replyTo(a) === s.id)) leftBehind.push(`conversation ${e.k}: ${s.id}`);
      }
    };
    const restartStarted = Date.now();
    for (const slot of [0, 1]) {
      assert.equal(loadFailed, undefined);
      const old = fleet.at(slot);
      await until(() => fleet.inFlight(old) >= 2, () => 'never two requests in flight', 10_000).catch(() => undefined);
      inFlightAtStop.push(fleet.inFlight(old));
      // Read through the instance that stays up, the moment the old one has exited.
      const stopped = old.stop().then(async (code) => {
        await checkLeftBehind(old, fleet.at(slot + 1));
        return code;
      });
      const outOfRotation = sleep(500).then(() => fleet.takeOut(old));
      const [code, replacement] = await Promise.all([stopped, Instance.start({ DATABASE_URL: db.url, ...ENV }), outOfRotation]);
      instances.push(replacement);
      exitCodes.push(code);
      fleet.slots[slot] = replacement;
    }
    const restartMs = Date.now() - restartStarted;
    restartOver = true;
    await load;

    // Every stored activity reaches the user's screen, whichever instance wrote it and however often the stream moved.
    const stored = new Map<Employee, HistoryActivity[]>();
    for (const e of employees) {
      const activities = await history(fleet.at(e.k), e.conversation);
      stored.set(e, activities);
      await until(
        () => activities.every((a) => e.activities().some((b) => b.id === a.id)),
        () => `conversation ${e.k}: stored activities never reached the stream`,
        ANSWER_MS,
      ).catch(() => undefined);
    }
    for (const e of employees) await e.stop();
    // Both replacements stop too: a graceful exit is 0 whatever the instance has been through.
    for (const slot of [0, 1]) exitCodes.push(await fleet.at(slot).stop());

    let posted = 0;
    let answered = 0;
    let lost = 0;
    let answeredTwice = 0;
    let storedTwice = 0;
    let notDelivered = 0;
    let deliveredTwice = 0;
    let slowest = 0;
    const problems: string[] = [];
    for (const e of employees) {
      const activities = stored.get(e) ?? [];
      posted += e.sent.length;
      for (const sent of e.sent) {
        const copies = activities.filter((a) => a.from?.role === 'user' && Reflect.get(Reflect.get(a, 'channelData') ?? {}, 'clientActivityID') === sent.clientActivityID);
        if (copies.length !== 1 || copies[0]?.id !== sent.id) {
          storedTwice += copies.length > 1 ? 1 : 0;
          problems.push(`conversation ${e.k}: ${sent.clientActivityID} stored ${copies.length} times (acknowledged as ${sent.id})`);
        }
        // One answer: the bot's replies to the message, none of them twice (a turn run twice repeats its replies).
        const replies = activities.filter((a) => a.type === 'message' && a.from?.role === 'bot' && replyTo(a) === sent.id).map((a) => a.text ?? '');
        const seen = sent.answeredInMs !== undefined;
        if (replies.length > 0 && seen) answered++;
        else {
          lost++;
          problems.push(`conversation ${e.k}: ${sent.id} (${sent.clientActivityID}) ${replies.length === 0 ? 'has no stored answer' : 'was answered but the answer never reached the stream'}`);
        }
        if (new Set(replies).size !== replies.length) {
          answeredTwice++;
          problems.push(`conversation ${e.k}: ${sent.id} answered twice: ${JSON.stringify(replies.map((t) => t.slice(0, 30)))}`);
        }
        slowest = Math.max(slowest, sent.answeredInMs ?? 0);
      }
      // Every user message in the history is one the employee sent (and saw acknowledged), once.
      const users = activities.filter((a) => a.from?.role === 'user');
      if (users.length !== e.sent.length) problems.push(`conversation ${e.k}: ${users.length} user messages stored, ${e.sent.length} sent`);
      const onScreen = new Map<string, number>();
      for (const a of e.activities().filter(isStored)) onScreen.set(a.id ?? '', (onScreen.get(a.id ?? '') ?? 0) + 1);
      notDelivered += activities.filter((a) => !onScreen.has(a.id)).length;
      deliveredTwice += [...onScreen.values()].filter((n) => n > 1).length;
    }
    const reconnects = employees.reduce((n, e) => n + e.reconnects, 0);
    const closes = employees.flatMap((e) => e.closes);
    const closeCodes = [...new Set(closes)].map((code) => `${code}×${closes.filter((c) => c === code).length}`).join(' ');
    const resent = employees.reduce((n, e) => n + e.resent, 0);
    const refusals = employees.flatMap((e) => e.unacknowledged);
    const refusalKinds = [...new Set(refusals)].map((r) => `${r}×${refusals.filter((x) => x === r).length}`).join(' ');
    console.log(
      `rolling restart: ${CONVERSATIONS} conversations, ${posted} messages posted (${resent} resent after no acknowledgement: ${refusalKinds || 'none'}), ` +
        `${answered} answered, lost ${lost}, answered twice ${answeredTwice}, stored twice ${storedTwice}, left behind by a stopped instance ${leftBehind.length}; stream: not delivered ${notDelivered}, delivered twice ${deliveredTwice}, ` +
        `socket reconnects ${reconnects} (closes ${closeCodes}); ${inFlightAtStop.join('/')} requests in flight at each SIGTERM; restart ${(restartMs / 1000).toFixed(1)} s, slowest answer ${(slowest / 1000).toFixed(1)} s; exit codes ${exitCodes.join(' ')}`,
    );
    for (const problem of [...leftBehind.map((x) => `left behind by a stopped instance: ${x}`), ...problems].slice(0, 20)) console.log(`  ${problem}`);
    assert.equal(loadFailed, undefined);
    assert.equal(lost, 0);
    assert.equal(answeredTwice, 0);
    assert.equal(storedTwice, 0);
    assert.deepEqual(problems, []);
    assert.equal(notDelivered, 0);
    assert.equal(deliveredTwice, 0);
    assert.deepEqual(exitCodes, [0, 0, 0, 0]);
    assert.deepEqual(leftBehind, [], 'a gracefully stopped instance left acknowledged messages unanswered');
    // Graceful means no user waits for a lease: a message a stopping instance accepted but left unanswered is only
    // answered once its lease lapses and another instance sweeps it up (normal answers here take a second or two).
    assert.ok(slowest < INBOX_LEASE_MS, `an answer took ${(slowest / 1000).toFixed(1)} s: a stopped instance left an accepted message to its lease`);
    // The restart really happened under this load: every stream was on a stopped instance and had to move.
    assert.ok(closes.length >= CONVERSATIONS, `only ${closes.length} streams were closed by the restart`);
    assert.ok(reconnects >= closes.length);
    // Web Chat reconnects on 1012 (service restart); an abnormal close (1006) means the instance did not say goodbye.
    assert.deepEqual(new Set(closes), new Set([1012]));
    assert.ok(posted >= CONVERSATIONS * (AFTER_RESTART + 3));
  });
});
