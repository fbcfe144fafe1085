import type { FastifyBaseLogger as Logger } from 'fastify';
import { createActor, type Actor, type Snapshot } from 'xstate';
import { CONVERSATION_MACHINE_VERSION, type ConversationMachine } from '../../dialogs/conversation.machine.js';
import { employeeChecks } from '../../dialogs/helpdesk.setup.js';
import type { BotOutput, DialogContent, HelpdeskEvent, Locale } from '../../dialogs/types.js';
import type { ConversationStore, StoredConversation, TranscriptEntry } from '../storage/conversation-store.js';

export class TurnConflictError extends Error {
  override name = 'TurnConflictError';
}

/**
 * The version stored with each snapshot is the machine's own (bumped when its states change). Runbook edits do not
 * change it: a conversation in a ticket or live chat must survive them. A conversation whose runbook no longer has
 * the check it was at is restarted politely when it is opened.
 */
export const MACHINE_VERSION = String(CONVERSATION_MACHINE_VERSION);

/** An open conversation: its stored row (if any) and its actor, restored or new, not started yet. */
export interface Session {
  conversationId: string;
  stored: StoredConversation | undefined;
  actor: Actor<ConversationMachine>;
  /** False when there was a snapshot that could not be used (new machine version, damaged row, runbook changed). */
  restored: boolean;
  /** The event that puts a restarted conversation back on its open ticket, if it has one. */
  resume: HelpdeskEvent | undefined;
  log: Logger;
}

/** Who the conversation belongs to and where it lives, as saved with the snapshot. */
export interface SessionOwner {
  channelId: string;
  userId: string;
  userName: string;
  locale: Locale;
  reference: unknown;
}

export interface ConversationSessionDeps {
  machine: ConversationMachine;
  content: DialogContent;
  conversations: ConversationStore;
  /** The conversation's ticket while it is open (queued or assigned). */
  openTicketOf(conversationId: string): Promise<{ number: string; agentName: string | null } | undefined>;
  logger: Logger;
}

/** What a bot output leaves in the transcript (buttons as their labels). */
export function outputText(output: BotOutput): string | undefined {
  if (output.type === 'say') return output.text;
  if (output.type === 'ask') return `${output.text}\n[${output.choices.map((c) => c.label).join(' | ')}]`;
  return undefined;
}

/** The bot's words among the outputs as transcript entries. */
export function botTranscript(outputs: readonly BotOutput[], at: string): TranscriptEntry[] {
  return outputs.flatMap((output) => {
    const text = outputText(output);
    return text ? [{ role: 'bot' as const, author: 'bot', text, at }] : [];
  });
}

/**
 * Opening and committing a conversation, shared by employee turns and staff turns. `open` loads the row and
 * restores the actor; `commit` saves the new snapshot under compare-and-set, then appends the transcript.
 */
export function createConversationSession(deps: ConversationSessionDeps) {
  const { machine } = deps;

  /** The runbook a conversation is checking still exists and still has the check it was at. */
  function checkStillThere(context: { runbookId: string | null; checkIndex: number }): boolean {
    const runbook = context.runbookId ? deps.content.runbooks.get(context.runbookId) : undefined;
    return runbook !== undefined && context.checkIndex < employeeChecks(runbook).length;
  }

  function restore(snapshot: unknown, locale: Locale, log: Logger): { actor: Actor<ConversationMachine>; restored: boolean } {
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

  async function resumeEvent(conversationId: string): Promise<HelpdeskEvent | undefined> {
    const ticket = await deps.openTicketOf(conversationId);
    return ticket ? { type: 'RESUME_TICKET', ticketNumber: ticket.number, agentName: ticket.agentName } : undefined;
  }

  return {
    /** Loads the conversation and restores its actor; `locale` picks the restore locale from the stored row. */
    async open(conversationId: string, locale: (stored: StoredConversation | undefined) => Locale): Promise<Session> {
      const log = deps.logger.child({ conversationId });
      const stored = await deps.conversations.load(conversationId);
      const usable = stored?.machineVersion === MACHINE_VERSION ? stored.snapshot : null;
      const { actor, restored } = restore(usable, locale(stored), log);
      // A conversation that had to start over but still has an open ticket goes back to it.
      const resume = stored?.snapshot && !restored ? await resumeEvent(conversationId) : undefined;
      return { conversationId, stored, actor, restored, resume, log };
    },

    /** Saves the stopped actor's snapshot under compare-and-set (TurnConflictError when another turn won) and the transcript. */
    async commit(session: Session, owner: SessionOwner, transcript: readonly TranscriptEntry[]): Promise<void> {
      const snapshot = session.actor.getPersistedSnapshot();
      session.actor.stop();
      const saved = await deps.conversations.save({
        id: session.conversationId,
        channelId: owner.channelId,
        userId: owner.userId,
        userName: owner.userName,
        locale: owner.locale,
        machineVersion: MACHINE_VERSION,
        snapshot,
        reference: owner.reference,
        expectedVersion: session.stored?.version ?? 0,
      });
      if (saved === undefined) {
        session.log.warn('another turn of this conversation was saved first; this turn is rejected');
        throw new TurnConflictError(`conversation ${session.conversationId} changed during the turn`);
      }
      await deps.conversations.appendTranscript(session.conversationId, transcript);
    },
  };
}

export type ConversationSession = ReturnType<typeof createConversationSession>;
