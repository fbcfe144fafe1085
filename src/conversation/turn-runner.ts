import type { FastifyBaseLogger as Logger } from 'fastify';
import { createConversationMachine } from '../../dialogs/conversation.machine.js';
import { message } from '../../dialogs/format.js';
import type { BotOutput, ChoiceAction, DialogContent, HelpdeskEvent, Locale, StaffEvent } from '../../dialogs/types.js';
import { handoffModeOf, readHandoffInput } from '../understanding/read-handoff-input.js';
import type { ConversationStore, TranscriptEntry } from '../storage/conversation-store.js';
import type { Ticket } from '../storage/ticket-store.js';
import type { TicketDesk } from '../handoff/ticket-desk.js';
import type { Understand } from '../understanding/understand.js';
import { firstGuess, readLocale, turnLocale } from './choose-locale.js';
import { MACHINE_VERSION, TurnConflictError, botTranscript, createConversationSession, type Session } from './conversation-session.js';
import { createKeyedQueue } from '../keyed-queue.js';
import { observeState, type OutcomeRecorder, type SavedTurn } from './outcome-port.js';
import { isDatabaseUnavailable } from '../storage/database-errors.js';

export { TurnConflictError } from './conversation-session.js';
export type { TicketDesk, TicketRequest } from '../handoff/ticket-desk.js';

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

/** Delivers a result while the conversation's queue is still held, so replies keep the order of the turns. */
export type Deliver<R> = (result: R) => Promise<void>;

/** How often a turn that lost the compare-and-set is run again before it fails. */
const MAX_ATTEMPTS = 8;

/** Only what a channel shows: side-effect requests (handoff, ticket) stay inside src/. */
function displayed(outputs: BotOutput[]): BotOutput[] {
  return outputs.filter((o) => o.type !== 'handoff' && o.type !== 'ticket');
}

export interface TurnRunnerDeps {
  /** Runs work in one database transaction (the unit of work every store joins while it runs). */
  transact<T>(work: () => Promise<T>): Promise<T>;
  /** Work the channel asked to commit with the turn (the Direct Line's inbox entry). */
  commitWork(): Promise<void>;
  content: DialogContent;
  understand: Understand;
  conversations: ConversationStore;
  tickets: TicketDesk;
  logger: Logger;
}

/**
 * Runs one turn: open the conversation (load + restore), send the understood event, open a ticket when the
 * machine asks for one, commit under compare-and-set, and deliver. Turns of one conversation run one after another
 * in the keyed queue, delivery included; across instances the version check rejects the loser.
 */
export function createTurnRunner(deps: TurnRunnerDeps) {
  const session = createConversationSession({
    machine: createConversationMachine(deps.content),
    content: deps.content,
    conversations: deps.conversations,
    openTicketOf: (id) => deps.tickets.openTicketOf(id),
    logger: deps.logger,
  });
  const queue = createKeyedQueue<string>();
  let recorder: OutcomeRecorder | undefined;

  /** Sends an event; a machine that fails on it fails the turn. */
  function sendTo(open: Session, event: HelpdeskEvent): void {
    open.actor.send(event);
    const snapshot = open.actor.getSnapshot();
    if (snapshot.status === 'error') throw snapshot.error;
  }

  async function runTurn(input: UserInput, deliverInCommit?: Deliver<TurnResult>): Promise<TurnResult> {
    const startedAt = performance.now();
    const understood = input.kind === 'message' ? deps.understand({ text: input.text, action: input.action, step: input.actionStep }) : undefined;
    let guess: Locale = 'ja';
    const open = await session.open(input.conversationId, (stored) => {
      guess = firstGuess({ fromText: understood?.locale, stored: stored?.locale, hint: input.localeHint });
      return guess;
    });
    const { actor, stored, log } = open;
    const locale = turnLocale(guess, actor.getSnapshot().context.pinnedLocale, understood?.event.type === 'SWITCH_LANGUAGE');

    const outputs: BotOutput[] = [];
    if (stored?.snapshot && !open.restored && !open.resume) {
      outputs.push({ type: 'say', text: message(deps.content.messages, 'versionReset', locale) });
    }
    const subscription = actor.on('*', (output) => outputs.push(output));
    actor.start();
    if (open.resume) actor.send(open.resume);
    const before = stored?.snapshot && open.restored ? observeState(actor.getSnapshot()) : undefined;
    let sent: HelpdeskEvent | undefined;

    const now = () => new Date().toISOString();
    const transcript: TranscriptEntry[] = [];
    if (input.kind === 'message' && input.text.trim() !== '') {
      transcript.push({ role: 'user', author: input.user.name || input.user.id, text: input.text, at: now() });
    }
    let flushed = 0;
    const collectBotTranscript = () => {
      transcript.push(...botTranscript(outputs.slice(flushed), now()));
      flushed = outputs.length;
    };

    if (actor.getSnapshot().context.locale !== locale) sendTo(open, { type: 'SET_LOCALE', locale });
    if (input.kind === 'join') {
      if (!stored) sendTo(open, { type: 'GREET' });
    } else if (understood) {
      // While a ticket is open, what the employee types belongs to it (or to the agent), whatever it looks like.
      sent = readHandoffInput({ text: input.text, action: input.action }, handoffModeOf(actor.getSnapshot())) ?? understood.event;
      sendTo(open, sent);
    }

    // One transaction: the ticket the machine asked for (with its outbox row), the snapshot (compare-and-set), the
    // transcript, the channel's commit work and, when the channel stores replies in the same database, the replies.
    // Losing the compare-and-set rolls all of it back, and the caller runs the turn again on the new state.
    const committed = await deps.transact(async () => {
      let ticket: Ticket | undefined;
      for (let i = 0; i < outputs.length; i++) {
        const output = outputs[i];
        if (output?.type !== 'handoff') continue;
        collectBotTranscript();
        try {
          const history = [...(await deps.conversations.transcript(input.conversationId)), ...transcript];
          const opened = await deps.tickets.openTicket(
            {
              conversationId: input.conversationId,
              reason: output.reason,
              user: input.user,
              channelId: input.channelId,
              locale,
              error: output.error,
              runbookId: output.runbookId,
              checks: output.checks,
              itSteps: output.itSteps,
              description: output.description,
            },
            history,
          );
          ticket = opened.ticket;
          log.info({ ticket: ticket.number, reason: output.reason }, 'ticket created');
          sendTo(open, {
            type: 'TICKET_CREATED',
            ticketNumber: ticket.number,
            queue: opened.queue && { ...opened.queue, channel: input.channelId === 'msteams' ? 'teams' : 'web' },
          });
        } catch (err) {
          if (isDatabaseUnavailable(err)) throw err;
          log.error({ err }, 'ticket could not be created');
          sendTo(open, { type: 'TICKET_FAILED' });
        }
      }
      collectBotTranscript();
      subscription.unsubscribe();
      const after = observeState(actor.getSnapshot());

      await session.commit(
        open,
        {
          channelId: input.channelId,
          userId: input.user.id,
          userName: input.user.name,
          locale,
          reference: input.reference ?? stored?.reference ?? null,
        },
        transcript,
      );
      await deps.commitWork();
      const result: TurnResult = { outputs: displayed(outputs), locale, ticket };
      await deliverInCommit?.(result);
      return { result, ticket, after };
    });
    await recordOutcome(
      { conversationId: input.conversationId, firstTurn: stored === undefined, channelId: input.channelId, locale, userName: input.user.name, text: input.text, event: sent, before, after: committed.after, outputs, ticket: committed.ticket, seconds: (performance.now() - startedAt) / 1000 },
      log,
    );
    await afterCommit(outputs, committed.ticket, input.user, log);
    return committed.result;
  }

  /** Reports the saved turn to the analytics; what they fail to record is logged, never the employee's problem. */
  async function recordOutcome(turn: SavedTurn, log: Logger) {
    if (!recorder) return;
    try {
      // Back to the event loop first: with SQLite a whole turn can run as one synchronous stretch, and the analytics
      // must not lengthen the stall other users (and /healthz) would see.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await recorder.turnSaved(turn);
    } catch (err) {
      log.error({ err }, 'the outcome of this turn could not be recorded');
    }
  }

  /** The ticket side of a saved turn. A failure here is logged: the words are in the transcript either way. */
  async function afterCommit(outputs: BotOutput[], created: Ticket | undefined, user: { id: string; name: string }, log: Logger) {
    try {
      if (created) await deps.tickets.ticketOpened(created);
      for (const output of outputs) {
        if (output.type === 'ticket' && output.ticketNumber !== '') await deps.tickets.ticketAction(output.ticketNumber, output.action, user);
      }
    } catch (err) {
      log.error({ err }, 'ticket update after the turn failed');
    }
  }

  async function runStaffTurn(conversationId: string, event: StaffEvent, opts: StaffTurnOptions): Promise<StaffTurnResult> {
    const open = await session.open(conversationId, (stored) => readLocale(stored?.locale) ?? 'ja');
    const { stored, actor } = open;
    if (!stored) {
      actor.stop();
      throw new Error(`conversation ${conversationId} does not exist`);
    }
    const outputs: BotOutput[] = [];
    // The resumed ticket is where the staff event lands; what resuming says is not news to the employee.
    if (open.resume) {
      actor.start();
      actor.send(open.resume);
    }
    const subscription = actor.on('*', (output) => outputs.push(output));
    if (!open.resume) actor.start();
    actor.send(event);
    const after = actor.getSnapshot();
    subscription.unsubscribe();
    if (after.status === 'error') throw after.error;
    const locale = after.context.locale;
    await session.commit(
      open,
      { channelId: stored.channelId, userId: stored.userId, userName: stored.userName, locale, reference: stored.reference },
      opts.transcript ?? botTranscript(outputs, new Date().toISOString()),
    );
    return { outputs: displayed(outputs), locale, conversationId, channelId: stored.channelId, reference: stored.reference };
  }

  return {
    machineVersion: MACHINE_VERSION,
    /**
     * Runs the turn after any earlier turn of the same conversation has finished; `deliver` runs in the same slot
     * (with `inCommit`, inside the turn's transaction: the channel stores its replies with the turn, all or nothing).
     * A turn that loses the compare-and-set to another instance is run again on the new state.
     */
    run(input: UserInput, deliver?: Deliver<TurnResult>, opts: { inCommit?: boolean } = {}): Promise<TurnResult> {
      return queue.run(input.conversationId, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            const result = await runTurn(input, opts.inCommit ? deliver : undefined);
            if (!opts.inCommit) await deliver?.(result);
            return result;
          } catch (err) {
            if (!(err instanceof TurnConflictError) || attempt >= MAX_ATTEMPTS) throw err;
            deps.logger.info({ conversationId: input.conversationId, attempt }, 'another instance saved this conversation first; running the turn again');
          }
        }
      });
    },
    /**
     * Sends a staff-initiated event (agent joined / message / resolved / released) into a conversation, in the same
     * per-conversation queue and under the same compare-and-set as user turns; retried when another instance won.
     * `deliver` runs inside the turn's transaction: what it writes (the reply in the Direct Line history, the outbox
     * row toward Teams) commits with the turn or not at all.
     */
    dispatch(conversationId: string, event: StaffEvent, opts: StaffTurnOptions = {}, deliver?: Deliver<StaffTurnResult>): Promise<StaffTurnResult> {
      return queue.run(conversationId, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await deps.transact(async () => {
              const result = await runStaffTurn(conversationId, event, opts);
              await deliver?.(result);
              return result;
            });
          } catch (err) {
            if (!(err instanceof TurnConflictError) || attempt >= MAX_ATTEMPTS) throw err;
          }
        }
      });
    },
    /** Connects the outcome recorder (src/analytics); set once when it starts. */
    setOutcomeRecorder(value: OutcomeRecorder): void {
      recorder = value;
    },
    /** Resolves once every queued turn has finished (shutdown). */
    idle(): Promise<void> {
      return queue.idle();
    },
  };
}

export type TurnRunner = ReturnType<typeof createTurnRunner>;
