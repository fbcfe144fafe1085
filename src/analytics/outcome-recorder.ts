import type { FastifyBaseLogger as Logger } from 'fastify';
import type { BotOutput, HelpdeskEvent } from '../../dialogs/types.js';
import type { OutcomeRecorder, SavedTurn } from '../conversation/outcome-port.js';
import type { TicketEvent } from '../handoff/handoff-service.js';
import type { Ticket } from '../storage/ticket-store.js';
import { maskPersonalData } from './mask-personal-data.js';
import { ESCALATION_REASONS, type EscalationReasonCode, type OutcomeKind, type OutcomeRecord, type OutcomeStore, type ProblemKind } from './outcome-store.js';

/** Where the recorder reports what it counted (the Prometheus counters); a no-op sink is fine. */
export interface OutcomeMetrics {
  conversationStarted(channel: string): void;
  outcome(outcome: OutcomeKind, runbookId: string | null): void;
  escalation(reason: EscalationReasonCode): void;
  turn(seconds: number): void;
}

export interface OutcomeRecorderDeps {
  store: OutcomeStore;
  metrics: OutcomeMetrics;
  logger: Logger;
  now?: () => Date;
}

const STARTS_UNKNOWN: ReadonlySet<HelpdeskEvent['type']> = new Set(['REPORT_UNKNOWN_CODE']);
const STARTS_OUT_OF_SCOPE: ReadonlySet<HelpdeskEvent['type']> = new Set(['REPORT_UNCOVERED_ERROR']);
const HELPFUL_YES: ReadonlySet<HelpdeskEvent['type']> = new Set(['HELPFUL_YES', 'ANSWER_FIXED', 'THANKS']);
const HELPFUL_NO: ReadonlySet<HelpdeskEvent['type']> = new Set(['HELPFUL_NO', 'ANSWER_NOT_FIXED']);

function seconds(from: string, to: string): number | null {
  const value = Math.round((Date.parse(to) - Date.parse(from)) / 1000);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

function handoffOf(outputs: readonly BotOutput[]): Extract<BotOutput, { type: 'handoff' }> | undefined {
  for (const output of outputs) if (output.type === 'handoff') return output;
  return undefined;
}

/** Why the employee went to a person, in the dashboard's four words. */
function escalationReason(handoffReason: string, kind: ProblemKind): EscalationReasonCode {
  if (handoffReason === 'checks_failed') return 'checks_failed';
  if (kind === 'unknown_code') return 'unknown_code';
  if (kind === 'out_of_scope') return 'out_of_scope';
  return ESCALATION_REASONS.find((r) => r === handoffReason) ?? 'user_request';
}

/** The problem a turn started, if it started one: a runbook begun anew, a code nobody knows, an error no runbook covers. */
function problemStarted(turn: SavedTurn): { kind: ProblemKind } | undefined {
  const { before, after, event } = turn;
  if (after.state === 'checking' && after.runbookId) {
    const fresh =
      !before ||
      before.state !== 'checking' ||
      before.runbookId !== after.runbookId ||
      after.checkIndex < before.checkIndex ||
      after.checks.length < before.checks.length;
    return fresh ? { kind: 'runbook' } : undefined;
  }
  if (after.state === 'offeringHuman' && event && STARTS_UNKNOWN.has(event.type)) return { kind: 'unknown_code' };
  if (after.state === 'offeringHuman' && event && STARTS_OUT_OF_SCOPE.has(event.type)) return { kind: 'out_of_scope' };
  return undefined;
}

/**
 * Turns saved turns and ticket events into one outcome row per problem: started, checks reached, fixed by the bot
 * (and at which check), escalated (and why), resolved by IT, rated, abandoned. Reads only what the machine's
 * snapshots and outputs already say; never changes the conversation.
 */
export function createOutcomeRecorder(deps: OutcomeRecorderDeps) {
  const { store, metrics } = deps;
  const now = () => (deps.now ? deps.now() : new Date()).toISOString();
  const log = deps.logger.child({ module: 'analytics' });

  async function finish(record: OutcomeRecord, from: readonly OutcomeKind[], outcome: OutcomeKind, patch: Parameters<OutcomeStore['update']>[1]): Promise<boolean> {
    const changed = await store.transition(record.id, from, { ...patch, outcome });
    if (changed) metrics.outcome(outcome, record.runbookId);
    return changed;
  }

  async function turnSaved(turn: SavedTurn): Promise<void> {
    const at = now();
    metrics.turn(turn.seconds);
    if (turn.firstTurn) metrics.conversationStarted(turn.channelId);

    if (turn.event?.type === 'UNRECOGNISED_TEXT' && turn.text.trim() !== '') {
      const text = maskPersonalData(turn.text, [turn.userName]);
      if (text !== '') await store.addUnrecognised({ conversationId: turn.conversationId, channelId: turn.channelId, locale: turn.locale, text, at });
    }

    let current = await store.latestForConversation(turn.conversationId);
    const started = problemStarted(turn);
    if (started) {
      // A new problem while the last one was still open: the employee left that one.
      if (current?.outcome === 'in_progress') await finish(current, ['in_progress'], 'abandoned', { endedAt: at });
      current = await store.start({
        conversationId: turn.conversationId,
        channelId: turn.channelId,
        locale: turn.locale,
        kind: started.kind,
        runbookId: started.kind === 'runbook' ? turn.after.runbookId : null,
        errorName: turn.after.error?.name ?? null,
        errorHex: turn.after.error?.hex ?? null,
        checksReached: started.kind === 'runbook' ? turn.after.checkIndex + 1 : 0,
        checks: turn.after.checks,
        startedAt: at,
      });
    } else if (current && (current.outcome === 'in_progress' || current.outcome === 'abandoned') && turn.after.state === 'checking' && turn.after.runbookId === current.runbookId) {
      // Still on the same runbook: one more check reached, or an answer after a long pause (no longer abandoned).
      await store.update(current.id, {
        checksReached: Math.max(current.checksReached, turn.after.checkIndex + 1),
        checks: turn.after.checks,
        lastActivityAt: at,
        ...(current.outcome === 'abandoned' ? { outcome: 'in_progress' as const, endedAt: null } : {}),
      });
    } else if (current?.outcome === 'in_progress') {
      await store.update(current.id, { lastActivityAt: at });
    }

    // Fixed by the bot: from a check straight to "was this helpful?".
    if (current && turn.before?.state === 'checking' && turn.after.state === 'askingFeedback') {
      await finish(current, ['in_progress', 'abandoned'], 'resolved_by_bot', {
        fixedAtCheck: turn.after.checkIndex,
        checksReached: Math.max(current.checksReached, turn.after.checkIndex + 1),
        checks: turn.after.checks,
        lastActivityAt: at,
        endedAt: at,
        resolutionSeconds: seconds(current.startedAt, at),
      });
    }

    // The answer to "was this helpful?".
    if (current?.outcome === 'resolved_by_bot' && turn.before?.state === 'askingFeedback' && turn.event) {
      if (HELPFUL_YES.has(turn.event.type)) await store.update(current.id, { helpful: true });
      else if (HELPFUL_NO.has(turn.event.type)) await store.update(current.id, { helpful: false });
    }

    const handoff = handoffOf(turn.outputs);
    if (handoff && turn.ticket) await escalated(turn, handoff, current, turn.ticket, at);
  }

  async function escalated(turn: SavedTurn, handoff: Extract<BotOutput, { type: 'handoff' }>, latest: OutcomeRecord | undefined, ticket: Ticket, at: string) {
    // The problem on screen, or the one the bot thought it had fixed when the employee said it had not helped.
    let record = latest && (latest.outcome === 'in_progress' || latest.outcome === 'abandoned' || (latest.outcome === 'resolved_by_bot' && latest.helpful === false)) ? latest : undefined;
    if (!record) {
      record = await store.start({
        conversationId: turn.conversationId,
        channelId: turn.channelId,
        locale: turn.locale,
        kind: handoff.runbookId ? 'runbook' : 'request',
        runbookId: handoff.runbookId,
        errorName: handoff.error?.name ?? null,
        errorHex: handoff.error?.hex ?? null,
        checksReached: handoff.checks.filter((c) => c.outcome !== 'not_run').length,
        checks: handoff.checks,
        startedAt: at,
      });
    }
    const reason = escalationReason(handoff.reason, record.kind);
    const changed = await finish(record, ['in_progress', 'abandoned', 'resolved_by_bot'], 'escalated', {
      escalationReason: reason,
      ticketId: ticket.id,
      escalatedAt: at,
      lastActivityAt: at,
      fixedAtCheck: null,
      endedAt: null,
      resolutionSeconds: null,
      ...(handoff.error && !record.errorName ? { errorName: handoff.error.name, errorHex: handoff.error.hex } : {}),
    });
    if (changed) metrics.escalation(reason);
  }

  /** The IT side, from the handoff service's ticket events. */
  async function ticketEvent(event: TicketEvent, ticket: Ticket): Promise<void> {
    const record = await store.forTicket(ticket.id);
    if (!record) return;
    switch (event.type) {
      case 'ticket.assigned': {
        const waited = seconds(ticket.queuedAt, event.at);
        await store.update(record.id, { agentName: event.actor.name, queueWaitSeconds: (record.queueWaitSeconds ?? 0) + (waited ?? 0), lastActivityAt: event.at });
        break;
      }
      case 'ticket.resolved':
        await finish(record, ['escalated'], 'resolved_by_it', {
          agentName: event.actor.name,
          endedAt: event.at,
          lastActivityAt: event.at,
          resolutionSeconds: seconds(record.startedAt, event.at),
        });
        break;
      case 'ticket.reopened':
        await store.transition(record.id, ['resolved_by_it'], { outcome: 'escalated', endedAt: null, resolutionSeconds: null, solved: false, lastActivityAt: event.at });
        break;
      case 'ticket.cancelled':
        await store.update(record.id, { endedAt: event.at, lastActivityAt: event.at });
        break;
      case 'ticket.rated':
        await store.update(record.id, { solved: ticket.solved, rating: ticket.rating, lastActivityAt: event.at });
        break;
      default:
        break;
    }
  }

  /** Marks problems nobody answered for `idleSeconds` as abandoned. Returns how many this call marked. */
  async function sweepAbandoned(idleSeconds: number): Promise<number> {
    const cutoff = new Date(Date.parse(now()) - idleSeconds * 1000).toISOString();
    let marked = 0;
    for (const record of await store.idleSince(cutoff)) {
      if (await finish(record, ['in_progress'], 'abandoned', { endedAt: record.lastActivityAt })) marked++;
    }
    if (marked > 0) log.info({ marked }, 'problems with no answer marked as abandoned');
    return marked;
  }

  const recorder: OutcomeRecorder & {
    ticketEvent: typeof ticketEvent;
    sweepAbandoned: typeof sweepAbandoned;
  } = { turnSaved, ticketEvent, sweepAbandoned };
  return recorder;
}

export type OutcomeRecorderService = ReturnType<typeof createOutcomeRecorder>;
