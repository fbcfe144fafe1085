import { assign, emit, setup } from 'xstate';
import type { Check, Messages, Runbook } from '../src/content/schema.js';
import { bulletList, message, pick } from './format.js';
import type {
  BotOutput,
  QueueFacts,
  TicketAction,
  CheckOutcome,
  CheckRecord,
  Choice,
  DialogContent,
  ErrorRef,
  HelpdeskContext,
  HelpdeskEvent,
  HelpdeskInput,
  Locale,
} from './types.js';

/**
 * One `setup` shared by the conversation machine and the standalone runbook machine, so the check-by-check
 * logic is written once. Content (runbooks, UI strings) comes in as data; nothing here does I/O.
 */
export function createHelpdeskSetup(content: DialogContent) {
  const { runbooks, messages } = content;

  const runbookOf = (context: HelpdeskContext): Runbook | undefined =>
    context.runbookId ? runbooks.get(context.runbookId) : undefined;
  const checkOf = (context: HelpdeskContext): Check | undefined => runbookOf(context)?.checks[context.checkIndex];

  const checkChoices = (context: HelpdeskContext): Choice[] => [
    { action: 'FIXED', label: message(messages, 'buttonFixed', context.locale) },
    { action: 'NOT_FIXED', label: message(messages, 'buttonNotFixed', context.locale) },
    { action: 'SHOW_HOW', label: message(messages, 'buttonShowHow', context.locale) },
    { action: 'TALK_TO_IT', label: message(messages, 'buttonTalkToIt', context.locale) },
  ];

  const say = (text: string): BotOutput => ({ type: 'say', text });
  const texts = understandingTexts(messages);

  /** The queue lines of the "ticket created" message: position, expected wait, and whether IT is open now. */
  const queueText = (queue: QueueFacts | undefined, locale: HelpdeskContext['locale']): string[] => {
    if (!queue) return [];
    const lines = [message(messages, 'queuePosition', locale, { position: queue.position })];
    if (queue.openNow) {
      if (queue.waitMinutes !== null) lines.push(message(messages, 'queueWait', locale, { minutes: queue.waitMinutes }));
      lines.push(message(messages, 'itOpen', locale));
    } else if (queue.nextOpen) {
      const weekday = message(messages, 'weekdays', locale).split(',')[queue.nextOpen.weekday] ?? '';
      const when = message(messages, 'openingTime', locale, { ...queue.nextOpen, weekday });
      lines.push(message(messages, 'itClosed', locale, { when }));
    } else {
      lines.push(message(messages, 'itClosedNoHours', locale));
    }
    return lines;
  };
  const ticketOutput = (context: HelpdeskContext, action: TicketAction): BotOutput => ({
    type: 'ticket',
    ticketNumber: context.ticketNumber ?? '',
    action,
  });
  const cancelChoice = (context: HelpdeskContext): Choice[] => [
    { action: 'CANCEL_TICKET', label: message(messages, 'buttonCancelTicket', context.locale) },
  ];
  const agentOf = (context: HelpdeskContext, event: HelpdeskEvent): string =>
    ('agentName' in event ? event.agentName : null) ?? context.agentName ?? '';

  const withOutcome = (context: HelpdeskContext, outcome: CheckOutcome): CheckRecord[] => {
    const check = checkOf(context);
    if (!check) return context.outcomes;
    return [...context.outcomes.filter((r) => r.checkId !== check.id), { checkId: check.id, title: check.title.en, outcome }];
  };

  /** Every check of the runbook with what happened to it; checks never reached are `not_run`. */
  const allChecks = (context: HelpdeskContext): CheckRecord[] =>
    (runbookOf(context)?.checks ?? []).map(
      (check) =>
        context.outcomes.find((r) => r.checkId === check.id) ?? { checkId: check.id, title: check.title.en, outcome: 'not_run' },
    );

  return setup({
    types: {
      context: {} as HelpdeskContext,
      events: {} as HelpdeskEvent,
      input: {} as HelpdeskInput,
      emitted: {} as BotOutput,
    },
    guards: {
      resumesWithAgent: ({ event }) => event.type === 'RESUME_TICKET' && event.agentName !== null,
      /** A staff event about the ticket this conversation is waiting on (not one it has left, e.g. cancelled). */
      isCurrentTicket: ({ context, event }) => 'ticketNumber' in event && event.ticketNumber === context.ticketNumber,
      /** A button of an earlier question (its step is not the check being asked now). */
      isStaleChoice: ({ context, event }) => {
        const step: unknown = 'step' in event ? event.step : undefined;
        return typeof step === 'string' && step !== checkOf(context)?.id;
      },
      hasNextCheck: ({ context }) => {
        const runbook = runbookOf(context);
        return runbook !== undefined && context.checkIndex + 1 < runbook.checks.length;
      },
      knowsRunbook: ({ event }) => event.type === 'REPORT_ERROR' && runbooks.has(event.runbookId),
      validRating: ({ event }) => event.type === 'RATE' && Number.isInteger(event.rating) && event.rating >= 1 && event.rating <= 5,
      hasFallbackRunbook: ({ event }) =>
        event.type === 'REPORT_UNCOVERED_ERROR' && event.fallbackRunbookId !== null && runbooks.has(event.fallbackRunbookId),
      confidentSymptom: ({ event }) =>
        event.type === 'REPORT_SYMPTOM' && event.confident && event.runbookIds[0] !== undefined && runbooks.has(event.runbookIds[0]),
    },
    actions: {
      setLocale: assign({ locale: ({ context, event }) => (event.type === 'SET_LOCALE' ? event.locale : context.locale) }),
      // Issue 3: what understanding found besides a plain error with a runbook.
      switchLocale: assign({
        locale: ({ context, event }) => (event.type === 'SWITCH_LANGUAGE' ? event.locale : context.locale),
        pinnedLocale: ({ context, event }) => (event.type === 'SWITCH_LANGUAGE' ? event.locale : (context.pinnedLocale ?? null)),
      }),
      sayLanguageSwitched: emit(({ context }) => say(message(messages, 'languageSwitched', context.locale))),
      askWhichError: emit(({ context, event }): BotOutput => {
        if (event.type !== 'REPORT_MISMATCH') return say(message(messages, 'askProblem', context.locale));
        return {
          type: 'ask',
          stepId: 'which-error',
          text: message(messages, 'errorMismatch', context.locale, {
            nameName: event.byName.name,
            nameHex: event.byName.hex,
            nameCode: event.byName.code,
            codeTyped: event.codeAsTyped,
            codeName: event.byCode.name,
            codeHex: event.byCode.hex,
            codeCode: event.byCode.code,
          }),
          choices: [
            { action: 'CHOOSE', label: texts.errorLabel(event.byName) },
            { action: 'CHOOSE', label: texts.errorLabel(event.byCode) },
          ],
        };
      }),
      startFallbackRunbook: assign(({ event }) =>
        event.type === 'REPORT_UNCOVERED_ERROR' ? { ...freshRun, runbookId: event.fallbackRunbookId, error: event.error } : {},
      ),
      rememberError: assign(({ event }) =>
        event.type === 'REPORT_UNCOVERED_ERROR' ? { ...freshRun, runbookId: null, error: event.error } : {},
      ),
      introduceUncovered: emit(({ context, event }): BotOutput => {
        const runbook = runbookOf(context);
        if (event.type !== 'REPORT_UNCOVERED_ERROR' || !runbook) return say(message(messages, 'askProblem', context.locale));
        const parts = [
          texts.uncovered(event, context.locale),
          message(messages, 'genericRunbookIntro', context.locale),
          pick(runbook.overview, context.locale),
          message(messages, 'startChecks', context.locale, { count: runbook.checks.length }),
        ];
        return say(parts.join('\n\n'));
      }),
      offerHumanForUncovered: emit(({ context, event }): BotOutput => {
        if (event.type !== 'REPORT_UNCOVERED_ERROR') return say(message(messages, 'askProblem', context.locale));
        const parts = [texts.uncovered(event, context.locale), message(messages, 'noRunbookOffer', context.locale)];
        return { type: 'ask', stepId: 'no-runbook', text: parts.join('\n\n'), choices: texts.humanChoices(context.locale) };
      }),
      offerHumanForUnknown: emit(({ context, event }): BotOutput => ({
        type: 'ask',
        stepId: 'unknown-code',
        text: message(messages, 'unknownCode', context.locale, { raw: event.type === 'REPORT_UNKNOWN_CODE' ? event.raw : '' }),
        choices: texts.humanChoices(context.locale),
      })),
      startSymptomRunbook: assign(({ event }) =>
        event.type === 'REPORT_SYMPTOM' && event.runbookIds[0] ? { ...freshRun, runbookId: event.runbookIds[0], error: null } : {},
      ),
      saySymptomMatched: emit(({ context }) => {
        const runbook = runbookOf(context);
        return say(message(messages, 'symptomMatched', context.locale, { title: runbook ? pick(runbook.title, context.locale) : '' }));
      }),
      askWhichSymptom: emit(({ context, event }): BotOutput => {
        const candidates = event.type === 'REPORT_SYMPTOM' ? event.runbookIds.flatMap((id) => runbooks.get(id) ?? []) : [];
        return {
          type: 'ask',
          stepId: 'which-runbook',
          text: message(messages, 'askWhichSymptom', context.locale),
          choices: [
            ...candidates.map((r): Choice => ({ action: 'CHOOSE', label: pick(r.title, context.locale) })),
            { action: 'NOT_FIXED', label: message(messages, 'buttonNoneOfThese', context.locale) },
            { action: 'TALK_TO_IT', label: message(messages, 'buttonTalkToIt', context.locale) },
          ],
        };
      }),
      startRunbook: assign(({ event }) => {
        if (event.type !== 'REPORT_ERROR') return {};
        return {
          runbookId: event.runbookId,
          error: event.error,
          checkIndex: 0,
          detailsShown: false,
          outcomes: [],
          escalationReason: null,
          ticketNumber: null,
        };
      }),
      resetConversation: assign({
        runbookId: null,
        checkIndex: 0,
        detailsShown: false,
        error: null,
        outcomes: [],
        escalationReason: null,
        ticketNumber: null,
      }),
      advance: assign({ checkIndex: ({ context }) => context.checkIndex + 1 }),
      recordFixed: assign({ outcomes: ({ context }) => withOutcome(context, 'fixed') }),
      recordNotFixed: assign({ outcomes: ({ context }) => withOutcome(context, 'not_fixed') }),
      recordUnsure: assign({ outcomes: ({ context }) => withOutcome(context, 'unsure') }),
      recordSkipped: assign({ outcomes: ({ context }) => withOutcome(context, 'skipped') }),
      markChecksFailed: assign({ escalationReason: 'checks_failed' }),
      markUserRequest: assign({ escalationReason: 'user_request' }),
      rememberTicket: assign({
        ticketNumber: ({ context, event }) => (event.type === 'TICKET_CREATED' ? event.ticketNumber : context.ticketNumber),
      }),
      sayWelcome: emit(({ context }) => say(message(messages, 'welcome', context.locale))),
      sayHelp: emit(({ context }) => say(message(messages, 'help', context.locale))),
      sayThanks: emit(({ context }) => say(message(messages, 'thanks', context.locale))),
      sayStartOver: emit(({ context }) => say(message(messages, 'startOver', context.locale))),
      askProblem: emit(({ context }) => say(message(messages, 'askProblem', context.locale))),
      introduceRunbook: emit(({ context }) => {
        const runbook = runbookOf(context);
        const parts: string[] = [];
        if (context.error) {
          parts.push(
            message(messages, 'errorIdentified', context.locale, {
              name: context.error.name,
              code: context.error.code,
              hex: context.error.hex,
            }),
          );
        }
        if (runbook) {
          parts.push(message(messages, 'meaning', context.locale, { meaning: pick(runbook.meaning, context.locale) }));
          parts.push(pick(runbook.overview, context.locale));
          parts.push(message(messages, 'startChecks', context.locale, { count: runbook.checks.length }));
        }
        return say(parts.join('\n\n'));
      }),
      askCheck: emit(({ context }) => {
        const runbook = runbookOf(context);
        const check = checkOf(context);
        if (!runbook || !check) return say(message(messages, 'askProblem', context.locale));
        const header = message(messages, 'checkHeader', context.locale, {
          n: context.checkIndex + 1,
          total: runbook.checks.length,
          title: pick(check.title, context.locale),
        });
        return {
          type: 'ask',
          stepId: check.id,
          text: `${header}\n\n${pick(check.instruction, context.locale)}\n\n${pick(check.question, context.locale)}`,
          choices: checkChoices(context),
        };
      }),
      sayNextCheck: emit(({ context }) => say(message(messages, 'nextCheck', context.locale))),
      saySpecifics: emit(({ context }) => {
        const runbook = runbookOf(context);
        const check = checkOf(context);
        const parts: string[] = [];
        if (runbook && !context.detailsShown) {
          parts.push(message(messages, 'detailsIntro', context.locale));
          parts.push(pick(runbook.details, context.locale));
        }
        if (check) {
          parts.push(message(messages, 'specificsIntro', context.locale, { title: pick(check.title, context.locale) }));
          parts.push(pick(check.specifics, context.locale));
        }
        return say(parts.join('\n\n'));
      }),
      markDetailsShown: assign({ detailsShown: true }),
      sayStaleChoice: emit(({ context }) => say(message(messages, 'staleChoice', context.locale))),
      sayNotUnderstoodAtCheck: emit(({ context }) => say(message(messages, 'notUnderstoodAtCheck', context.locale))),
      sayResolved: emit(({ context }) => {
        const runbook = runbookOf(context);
        const parts = [message(messages, 'resolved', context.locale)];
        if (runbook) {
          parts.push(`${message(messages, 'preventionIntro', context.locale)}\n${bulletList(runbook.prevention, context.locale)}`);
        }
        return say(parts.join('\n\n'));
      }),
      askHelpful: emit(({ context }) => ({
        type: 'ask',
        stepId: 'feedback',
        text: message(messages, 'askHelpful', context.locale),
        choices: [
          { action: 'HELPFUL_YES', label: message(messages, 'buttonYes', context.locale) },
          { action: 'HELPFUL_NO', label: message(messages, 'buttonNo', context.locale) },
        ],
      })),
      sayHelpfulThanks: emit(({ context }) => say(message(messages, 'helpfulThanks', context.locale))),
      offerHuman: emit(({ context }) => ({
        type: 'ask',
        stepId: 'offer-human',
        text: message(messages, 'notHelpful', context.locale),
        choices: [
          { action: 'TALK_TO_IT', label: message(messages, 'buttonTalkToIt', context.locale) },
          { action: 'START_OVER', label: message(messages, 'buttonStartOver', context.locale) },
        ],
      })),
      sayEscalating: emit(({ context }) =>
        say(
          message(
            messages,
            context.escalationReason === 'checks_failed' ? 'escalateChecksFailed' : 'escalateUserRequest',
            context.locale,
          ),
        ),
      ),
      requestHandoff: emit(({ context }) => ({
        type: 'handoff',
        reason: context.escalationReason ?? 'user_request',
        runbookId: context.runbookId,
        error: context.error,
        checks: allChecks(context),
      })),
      sayTicketFailed: emit(({ context }) => say(message(messages, 'ticketFailed', context.locale))),
      sayWaitingForIt: emit(({ context }) =>
        say(message(messages, 'waitingForIt', context.locale, { ticket: context.ticketNumber ?? '' })),
      ),
      // Handoff (issue 5): the employee's side of a ticket.
      sayQueued: emit(({ context, event }) => ({
        type: 'ask',
        stepId: 'waiting',
        text: [
          message(messages, 'ticketCreated', context.locale, { ticket: context.ticketNumber ?? '' }),
          ...queueText(event.type === 'TICKET_CREATED' ? event.queue : undefined, context.locale),
          message(messages, 'waitingHint', context.locale),
        ].join('\n\n'),
        choices: cancelChoice(context),
      })),
      noteToTicket: emit(({ context, event }) =>
        ticketOutput(context, { kind: 'note', text: event.type === 'USER_MESSAGE' ? event.text : '' }),
      ),
      sayNoteAdded: emit(({ context }) => ({
        type: 'ask',
        stepId: 'waiting',
        text: message(messages, 'noteAdded', context.locale, { ticket: context.ticketNumber ?? '' }),
        choices: cancelChoice(context),
      })),
      cancelTicket: emit(({ context }) => ticketOutput(context, { kind: 'cancel' })),
      sayTicketCancelled: emit(({ context }) =>
        say(message(messages, 'ticketCancelled', context.locale, { ticket: context.ticketNumber ?? '' })),
      ),
      leaveAgent: emit(({ context }) => ticketOutput(context, { kind: 'leave' })),
      sayBackToBot: emit(({ context }) =>
        say(message(messages, 'backToBot', context.locale, { ticket: context.ticketNumber ?? '' })),
      ),
      rememberAgent: assign(({ context, event }) => ({
        agentName: agentOf(context, event),
        ticketNumber: 'ticketNumber' in event ? event.ticketNumber : context.ticketNumber,
      })),
      sayAgentJoined: emit(({ context, event }) => say(message(messages, 'agentJoined', context.locale, { agent: agentOf(context, event) }))),
      sayAgentMessage: emit(({ context, event }) =>
        say(
          message(messages, 'agentMessage', context.locale, {
            agent: agentOf(context, event),
            text: event.type === 'AGENT_MESSAGE' ? event.text : '',
          }),
        ),
      ),
      sayAgentResolved: emit(({ context, event }) => {
        const parts = [message(messages, 'agentResolved', context.locale, { agent: agentOf(context, event), ticket: context.ticketNumber ?? '' })];
        if (event.type === 'TICKET_RESOLVED' && event.note) parts.push(message(messages, 'resolutionNote', context.locale, { note: event.note }));
        return say(parts.join('\n\n'));
      }),
      sayAgentReleased: emit(({ context, event }) => ({
        type: 'ask',
        stepId: 'waiting',
        text: message(messages, 'agentReleased', context.locale, { agent: agentOf(context, event), ticket: context.ticketNumber ?? '' }),
        choices: cancelChoice(context),
      })),
      askSolved: emit(({ context }) => ({
        type: 'ask',
        stepId: 'solved',
        text: message(messages, 'askSolved', context.locale),
        choices: [
          { action: 'HELPFUL_YES', label: message(messages, 'buttonYes', context.locale) },
          { action: 'HELPFUL_NO', label: message(messages, 'buttonNo', context.locale) },
        ],
      })),
      recordSolved: emit(({ context }) => ticketOutput(context, { kind: 'solved', solved: true })),
      recordNotSolved: emit(({ context }) => ticketOutput(context, { kind: 'solved', solved: false })),
      sayReopened: emit(({ context }) => ({
        type: 'ask',
        stepId: 'waiting',
        text: message(messages, 'ticketReopened', context.locale, { ticket: context.ticketNumber ?? '' }),
        choices: cancelChoice(context),
      })),
      askRating: emit(({ context }) => ({
        type: 'ask',
        stepId: 'rating',
        text: message(messages, 'askRating', context.locale),
        choices: ([1, 2, 3, 4, 5] as const).map((n) => ({ action: `RATE_${n}` as const, label: String(n) })),
      })),
      sayRatingRetry: emit(({ context }) => say(message(messages, 'ratingRetry', context.locale))),
      rateTicket: emit(({ context, event }) => ticketOutput(context, { kind: 'rate', rating: event.type === 'RATE' ? event.rating : 0 })),
      sayRatingThanks: emit(({ context }) => say(message(messages, 'ratingThanks', context.locale))),
      forgetAgent: assign({ agentName: null }),
    },
  });
}

export type HelpdeskSetup = ReturnType<typeof createHelpdeskSetup>;

export function initialContext(input: HelpdeskInput): HelpdeskContext {
  return {
    locale: input.locale ?? 'ja',
    pinnedLocale: null,
    runbookId: input.runbookId ?? null,
    checkIndex: 0,
    detailsShown: false,
    error: null,
    outcomes: [],
    escalationReason: null,
    ticketNumber: null,
  };
}

/**
 * The check-by-check part of every runbook, as one state node. `resolved` and `escalated` are the targets the
 * caller wants on each way out, so the same node serves inside the conversation and as a standalone machine.
 */
export function checkingState(targets: { resolved: string; escalated: string }) {
  const next = (record: 'recordNotFixed' | 'recordUnsure' | 'recordSkipped') => [
    { guard: 'hasNextCheck' as const, target: 'checking', reenter: true, actions: [record, 'advance', 'sayNextCheck'] as const },
    { target: targets.escalated, actions: [record, 'markChecksFailed'] as const },
  ];
  // A click on an earlier question's button must not answer the current one: say so and ask again.
  const stale = { guard: 'isStaleChoice' as const, target: 'checking', reenter: true, actions: 'sayStaleChoice' as const };
  return {
    entry: 'askCheck' as const,
    on: {
      ANSWER_FIXED: [stale, { target: targets.resolved, actions: 'recordFixed' as const }],
      ANSWER_NOT_FIXED: [stale, ...next('recordNotFixed')],
      ANSWER_UNSURE: next('recordUnsure'),
      ANSWER_SKIP: next('recordSkipped'),
      SHOW_HOW: [stale, { target: 'checking', reenter: true, actions: ['saySpecifics', 'markDetailsShown'] as const }],
      UNRECOGNISED_TEXT: { target: 'checking', reenter: true, actions: 'sayNotUnderstoodAtCheck' as const },
      REQUEST_HUMAN: { target: targets.escalated, actions: 'markUserRequest' as const },
    },
  };
}

/** An HRESULT (E_FAIL, CERT_E_…) rather than a Win32 code: shown by its hex value, its decimal means nothing to anyone. */
function isHresult(error: ErrorRef): boolean {
  return error.code > 0xffff;
}

/** A fresh runbook run: every per-run field back to its start. */
const freshRun = { checkIndex: 0, detailsShown: false, outcomes: [], escalationReason: null, ticketNumber: null };

/** Texts for what understanding found besides a plain error with a runbook (mismatch, no runbook, unknown code). */
function understandingTexts(messages: Messages) {
  return {
    errorLabel: (e: ErrorRef) => (isHresult(e) ? `${e.name}（${e.hex}）` : `${e.name}（${e.hex} / ${e.code}）`),
    humanChoices: (locale: Locale): Choice[] => [
      { action: 'TALK_TO_IT', label: message(messages, 'buttonTalkToIt', locale) },
      { action: 'START_OVER', label: message(messages, 'buttonStartOver', locale) },
    ],
    uncovered: (event: Extract<HelpdeskEvent, { type: 'REPORT_UNCOVERED_ERROR' }>, locale: Locale) =>
      event.family
        ? message(messages, isHresult(event.error) ? 'errorUncoveredHresult' : 'errorUncovered', locale, {
            name: event.error.name,
            hex: event.error.hex,
            code: event.error.code,
            familyTitle: pick(event.family.title, locale),
            familyDescription: pick(event.family.description, locale),
          })
        : message(messages, 'errorIdentified', locale, { name: event.error.name, code: event.error.code, hex: event.error.hex }),
  };
}
