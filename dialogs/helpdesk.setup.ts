import { assign, emit, setup } from 'xstate';
import type { Check, Runbook } from '../src/content/schema.js';
import { bulletList, message, pick } from './format.js';
import type {
  BotOutput,
  CheckOutcome,
  CheckRecord,
  Choice,
  DialogContent,
  HelpdeskContext,
  HelpdeskEvent,
  HelpdeskInput,
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
      hasNextCheck: ({ context }) => {
        const runbook = runbookOf(context);
        return runbook !== undefined && context.checkIndex + 1 < runbook.checks.length;
      },
      knowsRunbook: ({ event }) => event.type === 'REPORT_ERROR' && runbooks.has(event.runbookId),
    },
    actions: {
      setLocale: assign({ locale: ({ context, event }) => (event.type === 'SET_LOCALE' ? event.locale : context.locale) }),
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
      sayTicketCreated: emit(({ context }) =>
        say(message(messages, 'ticketCreated', context.locale, { ticket: context.ticketNumber ?? '' })),
      ),
      sayTicketFailed: emit(({ context }) => say(message(messages, 'ticketFailed', context.locale))),
      sayWaitingForIt: emit(({ context }) =>
        say(message(messages, 'waitingForIt', context.locale, { ticket: context.ticketNumber ?? '' })),
      ),
    },
  });
}

export type HelpdeskSetup = ReturnType<typeof createHelpdeskSetup>;

export function initialContext(input: HelpdeskInput): HelpdeskContext {
  return {
    locale: input.locale ?? 'ja',
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
  return {
    entry: 'askCheck' as const,
    on: {
      ANSWER_FIXED: { target: targets.resolved, actions: 'recordFixed' as const },
      ANSWER_NOT_FIXED: next('recordNotFixed'),
      ANSWER_UNSURE: next('recordUnsure'),
      ANSWER_SKIP: next('recordSkipped'),
      SHOW_HOW: { target: 'checking', reenter: true, actions: ['saySpecifics', 'markDetailsShown'] as const },
      UNRECOGNISED_TEXT: { target: 'checking', reenter: true, actions: 'sayNotUnderstoodAtCheck' as const },
      REQUEST_HUMAN: { target: targets.escalated, actions: 'markUserRequest' as const },
    },
  };
}
