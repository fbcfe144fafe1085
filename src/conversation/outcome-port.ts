import type { BotOutput, CheckRecord, ErrorRef, EscalationReason, HelpdeskEvent, Locale } from '../../dialogs/types.js';
import type { Ticket } from '../storage/ticket-store.js';

/** Where a conversation stood at one moment: the top-level state and the runbook part of its context. */
export interface ObservedState {
  state: string;
  runbookId: string | null;
  checkIndex: number;
  error: ErrorRef | null;
  checks: CheckRecord[];
  escalationReason: EscalationReason | null;
}

/** One saved employee turn, as the outcome recorder (src/analytics) reads it. */
export interface SavedTurn {
  conversationId: string;
  /** The first turn ever stored for this conversation. */
  firstTurn: boolean;
  channelId: string;
  locale: Locale;
  /** The employee's display name, so it can be masked out of what is kept. */
  userName: string;
  text: string;
  /** The event the machine was sent (undefined for a join). */
  event: HelpdeskEvent | undefined;
  /** Before the event; undefined for a conversation seen for the first time. */
  before: ObservedState | undefined;
  after: ObservedState;
  /** Everything the machine emitted, side-effect requests included. */
  outputs: readonly BotOutput[];
  /** The ticket this turn created, if any. */
  ticket: Ticket | undefined;
  /** Wall-clock seconds the turn took, from loading to saving. */
  seconds: number;
}

/**
 * The port through which the turn runner reports each saved turn (issue 13). The runner calls it after the turn is
 * saved and before ticket effects run; a failing recorder never fails the turn.
 */
export interface OutcomeRecorder {
  turnSaved(turn: SavedTurn): Promise<void>;
}

interface SnapshotLike {
  value: unknown;
  context: {
    runbookId: string | null;
    checkIndex: number;
    error: ErrorRef | null;
    outcomes: CheckRecord[];
    escalationReason: EscalationReason | null;
  };
}

/** The top-level state name of a snapshot value ('checking', or the parent of a nested state). */
function topState(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return Object.keys(value)[0] ?? '';
  return '';
}

export function observeState(snapshot: SnapshotLike): ObservedState {
  const { context } = snapshot;
  return {
    state: topState(snapshot.value),
    runbookId: context.runbookId,
    checkIndex: context.checkIndex,
    error: context.error,
    checks: [...context.outcomes],
    escalationReason: context.escalationReason,
  };
}
