import type { FastifyBaseLogger as Logger } from 'fastify';
import { createActor, type Snapshot } from 'xstate';
import { CONVERSATION_MACHINE_VERSION, createConversationMachine } from '../../dialogs/conversation.machine.js';
import { message } from '../../dialogs/format.js';
import type { BotOutput, ChoiceAction, DialogContent, HelpdeskEvent, Locale, QueueFacts, StaffEvent, TicketAction } from '../../dialogs/types.js';
import { handoffModeOf, readHandoffInput } from '../handoff/read-handoff-input.js';
import type { ConversationStore, TranscriptEntry } from '../storage/conversation-store.js';
import type { Ticket, TicketStore } from '../storage/ticket-store.js';
import type { Understand } from '../understanding/understand.js';

/** One turn, channel-neutral: what src/bot makes of an Activity. */
export interface UserInput {
  conversationId: string;
  channelId: string;
  user: { id: string; name: string; email?: string | undefined };
  kind: 'message' | 'join';
  text: string;
  action?: ChoiceAction | undefined;
  /** The question (step id) the clicked button belonged to. */
  actionStep?: string | undefined;
  /** The channel's locale hint (activity.locale), used when the text does not tell. */
  localeHint?: Locale | undefined;
  /** Serialisable ConversationReference, kept for proactive messages. */
  reference?: unknown;
}

export interface TurnResult {
  outputs: BotOutput[];
  locale: Locale;
  ticket?: Ticket | undefined;
}

export class TurnConflictError extends Error {
  override name = 'TurnConflictError';
}

/** What the handoff service does for the runner (set once at start-up with setTicketEffects). */
export interface TicketEffects {
  /** Queue position, expected wait and business hours for a ticket just created: passed into the machine. */
  queueFacts(ticket: Ticket): Promise<QueueFacts>;
  /** Called after the turn that created the ticket is saved. */
  ticketCreated(ticket: Ticket): Promise<void>;
  /** The employee's action on their ticket (note, cancel, leave, solved, rating), after the turn is saved. */
  ticketAction(ticketNumber: string, action: TicketAction, user: { id: string; name: string }): Promise<void>;
}

/** A staff-initiated turn (agent joined, agent message, resolved, released): what to deliver, and where. */
export interface StaffTurnResult {
  outputs: BotOutput[];
  locale: Locale;
  conversationId: string;
  channelId: string;
  /** The stored ConversationReference of the employee's channel, for proactive delivery. */
  reference: unknown;
}

export interface StaffTurnOptions {
  /** What goes into the transcript instead of the bot's words (an agent's message is recorded as the agent's). */
  transcript?: TranscriptEntry[];
}

/** Only what a channel shows: side-effect requests (handoff, ticket) stay inside src/. */
function displayed(outputs: BotOutput[]): BotOutput[] {
  return outputs.filter((o) => o.type !== 'handoff' && o.type !== 'ticket');
}

export interface TurnRunnerDeps {
  content: DialogContent;
  understand: Understand;
  conversations: ConversationStore;
  tickets: TicketStore;
  logger: Logger;
}

/**
 * The version stored with each snapshot is the machine's own (bumped when its states change). Runbook edits do not
 * change it: a conversation in a ticket or live chat must survive them. A conversation whose runbook no longer has
 * the check it was at is restarted politely when it is restored (see `restore`).
 */
function machineVersion(): string {
  return String(CONVERSATION_MACHINE_VERSION);
}

function outputText(output: BotOutput): string | undefined {
  if (output.type === 'say') return output.text;
  if (output.type === 'ask') return `${output.text}\n[${output.choices.map((c) => c.label).join(' | ')}]`;
  return undefined;
}

/**
 * Runs one turn: restore the conversation's actor from its snapshot, send the understood event, carry out the
 * side effects the machine asks for (a ticket), and save the new snapshot under compare-and-set.
 * Turns of one conversation are serialised in-process; across instances the version check rejects the loser.
 */
export function createTurnRunner(deps: TurnRunnerDeps) {
  const machine = createConversationMachine(deps.content);
  const version = machineVersion();
  const queues = new Map<string, Promise<unknown>>();
  let effects: TicketEffects | undefined;

  /** The runbook a conversation is checking still exists and still has the check it was at. */
  function checkStillThere(context: { runbookId: string | null; checkIndex: number }): boolean {
    const runbook = context.runbookId ? deps.content.runbooks.get(context.runbookId) : undefined;
    return runbook !== undefined && context.checkIndex < runbook.checks.length;
  }

  function restore(snapshot: unknown, locale: Locale, log: Logger) {
    if (snapshot !== null && snapshot !== undefined) {
      try {
        // The snapshot was written by this very machine version (checked by the caller); restoring can still fail
        // on a damaged row, in which case XState reports status 'error' instead of throwing: check before use.
        const actor = createActor(machine, { snapshot: snapshot as Snapshot<unknown>, input: { locale } });
        const restoredSnapshot = actor.getSnapshot();
        if (restoredSnapshot.status !== 'active') {
          log.warn({ status: restoredSnapshot.status }, 'stored snapshot is not active; starting over');
        } else if (restoredSnapshot.matches('checking') && !checkStillThere(restoredSnapshot.context)) {
          log.info({ runbookId: restoredSnapshot.context.runbookId }, 'the runbook changed under this conversation; starting over');
        } else {
          return { actor, restored: true };
        }
      } catch (err) {
        log.warn({ err }, 'stored snapshot could not be restored; starting over');
      }
    }
    return { actor: createActor(machine, { input: { locale } }), restored: false };
  }

  /** The event that puts a restarted conversation back on its open ticket, if it has one. */
  async function openTicketEvent(conversationId: string): Promise<HelpdeskEvent | undefined> {
    const ticket = await deps.tickets.latestForConversation(conversationId);
    if (!ticket || (ticket.status !== 'queued' && ticket.status !== 'assigned')) return undefined;
    return {
      type: 'RESUME_TICKET',
      ticketNumber: ticket.number,
      agentName: ticket.status === 'assigned' ? (ticket.assignee?.name ?? '') : null,
    };
  }

  async function runTurn(input: UserInput): Promise<TurnResult> {
    const log = deps.logger.child({ conversationId: input.conversationId });
    const stored = await deps.conversations.load(input.conversationId);
    const understood = input.kind === 'message' ? deps.understand({ text: input.text, action: input.action, step: input.actionStep }) : undefined;
    const storedLocale: Locale | undefined = stored?.locale === 'en' ? 'en' : stored?.locale === 'ja' ? 'ja' : undefined;
    const detected: Locale = understood?.locale ?? storedLocale ?? input.localeHint ?? 'ja';

    const outputs: BotOutput[] = [];
    const sameVersion = stored?.machineVersion === version;
    const { actor, restored } = restore(sameVersion ? stored?.snapshot : null, detected, log);
    // A language the user asked for sticks until they ask for another one; otherwise each message's script decides.
    const pinned = actor.getSnapshot().context.pinnedLocale ?? undefined;
    const locale: Locale = understood?.event.type === 'SWITCH_LANGUAGE' ? detected : (pinned ?? detected);
    // A conversation that had to start over but still has an open ticket goes back to it, without an apology.
    const resume = stored?.snapshot && !restored ? await openTicketEvent(input.conversationId) : undefined;
    if (stored?.snapshot && !restored && !resume) {
      outputs.push({ type: 'say', text: message(deps.content.messages, 'versionReset', locale) });
    }
    const subscription = actor.on('*', (output) => outputs.push(output));
    actor.start();
    if (resume) actor.send(resume);

    const now = () => new Date().toISOString();
    const transcript: TranscriptEntry[] = [];
    if (input.kind === 'message' && input.text.trim() !== '') {
      transcript.push({ role: 'user', author: input.user.name || input.user.id, text: input.text, at: now() });
    }
    let flushed = 0;
    const collectBotTranscript = () => {
      for (; flushed < outputs.length; flushed++) {
        const output = outputs[flushed];
        const text = output ? outputText(output) : undefined;
        if (text) transcript.push({ role: 'bot', author: 'bot', text, at: now() });
      }
    };

    const send = (event: HelpdeskEvent) => {
      actor.send(event);
      const snapshot = actor.getSnapshot();
      if (snapshot.status === 'error') throw snapshot.error;
    };
    if (actor.getSnapshot().context.locale !== locale) send({ type: 'SET_LOCALE', locale });
    if (input.kind === 'join') {
      if (!stored) send({ type: 'GREET' });
    } else if (understood) {
      // While a ticket is open, what the employee types belongs to it (or to the agent), whatever it looks like.
      send(readHandoffInput(input.text, handoffModeOf(actor.getSnapshot())) ?? understood.event);
    }

    // Side effects the machine asked for. A ticket needs the transcript so far, including this turn.
    let ticket: Ticket | undefined;
    for (let i = 0; i < outputs.length; i++) {
      const output = outputs[i];
      if (output?.type !== 'handoff') continue;
      collectBotTranscript();
      try {
        const history = [...(await deps.conversations.transcript(input.conversationId)), ...transcript];
        ticket = await deps.tickets.create({
          conversationId: input.conversationId,
          reason: output.reason,
          userId: input.user.id,
          userName: input.user.name,
          userEmail: input.user.email ?? null,
          channelId: input.channelId,
          locale,
          error: output.error,
          runbookId: output.runbookId,
          checks: output.checks,
          transcript: history,
        });
        log.info({ ticket: ticket.number, reason: output.reason }, 'ticket created');
        let queue: QueueFacts | undefined;
        try {
          queue = await effects?.queueFacts(ticket);
        } catch (err) {
          log.warn({ err }, 'queue facts unavailable; the ticket is created without them');
        }
        send({ type: 'TICKET_CREATED', ticketNumber: ticket.number, queue });
      } catch (err) {
        log.error({ err }, 'ticket could not be created');
        send({ type: 'TICKET_FAILED' });
      }
    }
    collectBotTranscript();
    subscription.unsubscribe();

    const snapshot = actor.getPersistedSnapshot();
    actor.stop();
    const saved = await deps.conversations.save({
      id: input.conversationId,
      channelId: input.channelId,
      userId: input.user.id,
      userName: input.user.name,
      locale,
      machineVersion: version,
      snapshot,
      reference: input.reference ?? stored?.reference ?? null,
      expectedVersion: stored?.version ?? 0,
    });
    if (saved === undefined) {
      log.warn('another turn of this conversation was saved first; this turn is rejected');
      throw new TurnConflictError(`conversation ${input.conversationId} changed during the turn`);
    }
    await deps.conversations.appendTranscript(input.conversationId, transcript);
    await applyTicketEffects(outputs, ticket, input.user, log);
    return { outputs: displayed(outputs), locale, ticket };
  }

  /** The ticket side of a saved turn. A failure here is logged: the words are in the transcript either way. */
  async function applyTicketEffects(outputs: BotOutput[], created: Ticket | undefined, user: { id: string; name: string }, log: Logger) {
    if (!effects) return;
    try {
      if (created) await effects.ticketCreated(created);
      for (const output of outputs) {
        if (output.type === 'ticket' && output.ticketNumber !== '') await effects.ticketAction(output.ticketNumber, output.action, user);
      }
    } catch (err) {
      log.error({ err }, 'ticket update after the turn failed');
    }
  }

  async function runStaffTurn(conversationId: string, event: StaffEvent, opts: StaffTurnOptions): Promise<StaffTurnResult> {
    const log = deps.logger.child({ conversationId });
    const stored = await deps.conversations.load(conversationId);
    if (!stored) throw new Error(`conversation ${conversationId} does not exist`);
    const storedLocale: Locale = stored.locale === 'en' ? 'en' : 'ja';
    const { actor, restored } = restore(stored.machineVersion === version ? stored.snapshot : null, storedLocale, log);
    const resume = restored ? undefined : await openTicketEvent(conversationId);
    const outputs: BotOutput[] = [];
    if (resume) {
      actor.start();
      actor.send(resume);
    }
    const subscription = actor.on('*', (output) => outputs.push(output));
    if (!resume) actor.start();
    actor.send(event);
    const after = actor.getSnapshot();
    subscription.unsubscribe();
    if (after.status === 'error') throw after.error;
    const locale = after.context.locale;
    const snapshot = actor.getPersistedSnapshot();
    actor.stop();
    const saved = await deps.conversations.save({
      id: conversationId,
      channelId: stored.channelId,
      userId: stored.userId,
      userName: stored.userName,
      locale,
      machineVersion: version,
      snapshot,
      reference: stored.reference,
      expectedVersion: stored.version,
    });
    if (saved === undefined) throw new TurnConflictError(`conversation ${conversationId} changed during a staff turn`);
    const at = new Date().toISOString();
    const entries =
      opts.transcript ??
      outputs.flatMap((o) => {
        const text = outputText(o);
        return text ? [{ role: 'bot' as const, author: 'bot', text, at }] : [];
      });
    await deps.conversations.appendTranscript(conversationId, entries);
    return { outputs: displayed(outputs), locale, conversationId, channelId: stored.channelId, reference: stored.reference };
  }

  /** Serialises work per conversation: a turn starts after the previous one of the same conversation has finished. */
  function enqueue<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const previous = queues.get(conversationId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    queues.set(conversationId, next);
    void next
      .finally(() => {
        if (queues.get(conversationId) === next) queues.delete(conversationId);
      })
      .catch(() => undefined);
    return next;
  }

  return {
    machineVersion: version,
    /** Runs the turn after any earlier turn of the same conversation has finished. */
    run(input: UserInput): Promise<TurnResult> {
      return enqueue(input.conversationId, () => runTurn(input));
    },
    /**
     * Sends a staff-initiated event (agent joined / message / resolved / released) into a conversation, in the same
     * per-conversation queue and under the same compare-and-set as user turns; retried when another instance won.
     * The caller delivers the outputs proactively.
     */
    dispatch(conversationId: string, event: StaffEvent, opts: StaffTurnOptions = {}): Promise<StaffTurnResult> {
      return enqueue(conversationId, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await runStaffTurn(conversationId, event, opts);
          } catch (err) {
            if (!(err instanceof TurnConflictError) || attempt >= 3) throw err;
          }
        }
      });
    },
    /** Connects the handoff service (tickets, queue facts); set once when it starts. */
    setTicketEffects(value: TicketEffects): void {
      effects = value;
    },
  };
}

export type TurnRunner = ReturnType<typeof createTurnRunner>;
