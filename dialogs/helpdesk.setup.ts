import { assertEvent, assign, emit, setup } from 'xstate';
import { bulletList, fill, joinList, pick } from './format.js';
import type { MessageKey } from './message-keys.js';
import type {
  BotOutput,
  Check,
  CheckOutcome,
  CheckRecord,
  Choice,
  DialogContent,
  ErrorRef,
  HelpdeskContext,
  HelpdeskEvent,
  HelpdeskInput,
  ItStep,
  Locale,
  OutOfScopeTopic,
  QueueFacts,
  Runbook,
  SmallTalkKind,
  TicketAction,
} from './types.js';

type Params = Record<string, string | number>;

/** The checks an employee is walked through; the others are IT's and go on the ticket as next steps. */
export function employeeChecks(runbook: Runbook): Check[] {
  return runbook.checks.filter((c) => c.audience === 'employee');
}

export function itChecks(runbook: Runbook): Check[] {
  return runbook.checks.filter((c) => c.audience === 'it');
}

const TOPIC_KEYS: Record<OutOfScopeTopic, MessageKey> = {
  mail: 'topicMail',
  account: 'topicAccount',
  wifi: 'topicWifi',
  printer: 'topicPrinter',
  office: 'topicOffice',
  hardware: 'topicHardware',
  access: 'topicAccess',
};

const GREETING_KEYS: Record<SmallTalkKind, MessageKey> = {
  hello: 'greetHello',
  morning: 'greetMorning',
  evening: 'greetEvening',
  otsukare: 'greetOtsukare',
  bye: 'goodbye',
};

/**
 * One `setup` shared by the conversation machine and the standalone runbook machine, so the check-by-check
 * logic is written once. Content (runbooks, UI strings) comes in as data; nothing here does I/O.
 * Actions are grouped by concern: words (t), runbook, understanding, handoff.
 */
export function createHelpdeskSetup(content: DialogContent) {
  const { runbooks, messages } = content;

  // --- Words -------------------------------------------------------------------------------------------------
  /** The user's language's text for a message key, placeholders filled. */
  const t = (context: HelpdeskContext, key: MessageKey, params?: Params): string => fill(messages[key][context.locale], params);
  const say = (text: string): BotOutput => ({ type: 'say', text });
  const ask = (stepId: string, text: string, choices: Choice[]): BotOutput => ({ type: 'ask', stepId, text, choices });
  const choice = (context: HelpdeskContext, action: Choice['action'], key: MessageKey): Choice => ({ action, label: t(context, key) });

  // --- Runbook -----------------------------------------------------------------------------------------------
  const runbookOf = (context: HelpdeskContext): Runbook | undefined =>
    context.runbookId ? runbooks.get(context.runbookId) : undefined;
  const stepsOf = (context: HelpdeskContext): Check[] => {
    const runbook = runbookOf(context);
    return runbook ? employeeChecks(runbook) : [];
  };
  const checkOf = (context: HelpdeskContext): Check | undefined => stepsOf(context)[context.checkIndex];
  const checkChoices = (context: HelpdeskContext): Choice[] => [
    choice(context, 'FIXED', 'buttonFixed'),
    choice(context, 'NOT_FIXED', 'buttonNotFixed'),
    choice(context, 'SHOW_HOW', 'buttonShowHow'),
    choice(context, 'TALK_TO_IT', 'buttonTalkToIt'),
  ];
  const withOutcome = (context: HelpdeskContext, outcome: CheckOutcome): CheckRecord[] => {
    const check = checkOf(context);
    if (!check) return context.outcomes;
    return [...context.outcomes.filter((r) => r.checkId !== check.id), { checkId: check.id, title: check.title.en, outcome }];
  };
  /** Every employee check of the runbook with what happened to it; checks never reached are `not_run`. */
  const allChecks = (context: HelpdeskContext): CheckRecord[] =>
    stepsOf(context).map(
      (check) =>
        context.outcomes.find((r) => r.checkId === check.id) ?? { checkId: check.id, title: check.title.en, outcome: 'not_run' },
    );
  const itSteps = (context: HelpdeskContext): ItStep[] => {
    const runbook = runbookOf(context);
    return runbook ? itChecks(runbook).map((c) => ({ checkId: c.id, title: c.title.en })) : [];
  };
  /** The expert's "where exactly" answer, then which of those places the employee checks and which IT does. */
  const detailsText = (context: HelpdeskContext, runbook: Runbook): string[] => {
    const titles = (checks: Check[]) => joinList(checks.map((c) => `「${pick(c.title, context.locale)}」`), context.locale);
    const mine = employeeChecks(runbook);
    const theirs = itChecks(runbook);
    const split = theirs.length > 0
      ? t(context, 'detailsAudience', { mine: titles(mine), it: titles(theirs) })
      : t(context, 'detailsAllMine');
    return [t(context, 'detailsIntro'), `${pick(runbook.details, context.locale)}\n${split}`];
  };

  // --- Understanding -----------------------------------------------------------------------------------------
  const errorLabel = (e: ErrorRef) => (e.code > 0xffff ? `${e.name} (${e.hex})` : `${e.name} (${e.hex} / ${e.code})`);
  const talkOrRestart = (context: HelpdeskContext): Choice[] => [
    choice(context, 'TALK_TO_IT', 'buttonTalkToIt'),
    choice(context, 'START_OVER', 'buttonStartOver'),
  ];
  const uncoveredText = (context: HelpdeskContext, event: Extract<HelpdeskEvent, { type: 'REPORT_UNCOVERED_ERROR' }>) => {
    const { error, family } = event;
    if (!family) return t(context, 'errorIdentified', { name: error.name, code: error.code, hex: error.hex });
    return t(context, error.code > 0xffff ? 'errorUncoveredHresult' : 'errorUncovered', {
      name: error.name,
      hex: error.hex,
      code: error.code,
      familyTitle: pick(family.title, context.locale),
      familyDescription: pick(family.description, context.locale),
    });
  };

  // --- Handoff -----------------------------------------------------------------------------------------------
  /** What IT really has: the error only when there is one, the checks only when some were done, the user's words. */
  const sharedText = (context: HelpdeskContext): string | undefined => {
    const items: string[] = [];
    if (context.error) items.push(t(context, 'sharedError'));
    if (context.outcomes.some((r) => r.outcome !== 'not_run')) items.push(t(context, 'sharedChecks'));
    if (context.description) items.push(t(context, 'sharedDescription'));
    return items.length > 0 ? t(context, 'sharedWithIt', { items: joinList(items, context.locale) }) : undefined;
  };
  const queueText = (context: HelpdeskContext, queue: QueueFacts | undefined): string[] => {
    if (!queue) return [];
    const lines = [t(context, 'queuePosition', { position: queue.position })];
    const where = t(context, queue.channel === 'teams' ? 'replyWhereTeams' : 'replyWhereWeb');
    if (queue.openNow) {
      if (queue.waitMinutes !== null) lines.push(t(context, 'queueWait', { minutes: queue.waitMinutes }));
      lines.push(t(context, 'itOpen', { where }));
    } else if (queue.nextOpen) {
      const weekday = t(context, 'weekdays').split(',')[queue.nextOpen.weekday] ?? '';
      lines.push(t(context, 'itClosed', { when: t(context, 'openingTime', { ...queue.nextOpen, weekday }), where }));
    } else {
      lines.push(t(context, 'itClosedNoHours', { where }));
    }
    return lines;
  };
  const ticketOutput = (context: HelpdeskContext, action: TicketAction): BotOutput => ({
    type: 'ticket',
    ticketNumber: context.ticketNumber ?? '',
    action,
  });
  const waitingChoices = (context: HelpdeskContext): Choice[] => [choice(context, 'CANCEL_TICKET', 'buttonCancelTicket')];
  const agentOf = (context: HelpdeskContext, event: HelpdeskEvent): string =>
    ('agentName' in event ? event.agentName : null) ?? context.agentName ?? '';
  const ticket = (context: HelpdeskContext): Params => ({ ticket: context.ticketNumber ?? '' });

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
      hasNextCheck: ({ context }) => context.checkIndex + 1 < stepsOf(context).length,
      knowsRunbook: ({ event }) => event.type === 'REPORT_ERROR' && runbooks.has(event.runbookId),
      validRating: ({ event }) => event.type === 'RATE' && Number.isInteger(event.rating) && event.rating >= 1 && event.rating <= 5,
      hasFallbackRunbook: ({ event }) =>
        event.type === 'REPORT_UNCOVERED_ERROR' && event.fallbackRunbookId !== null && runbooks.has(event.fallbackRunbookId),
      confidentSymptom: ({ event }) =>
        event.type === 'REPORT_SYMPTOM' && event.confident && event.runbookIds[0] !== undefined && runbooks.has(event.runbookIds[0]),
      /** Something for IT to go on already: words, an error, a runbook; otherwise ask for one sentence first. */
      knowsTheProblem: ({ context, event }) =>
        (event.type === 'REQUEST_HUMAN' && event.description !== undefined) ||
        Boolean(context.description) ||
        context.error !== null ||
        context.runbookId !== null,
    },
    actions: {
      // --- Words and language ---
      setLocale: assign({ locale: ({ context, event }) => (event.type === 'SET_LOCALE' ? event.locale : context.locale) }),
      switchLocale: assign(({ event }) => {
        assertEvent(event, 'SWITCH_LANGUAGE');
        return { locale: event.locale, pinnedLocale: event.locale };
      }),
      sayLanguageSwitched: emit(({ context }) => say(t(context, 'languageSwitched'))),
      sayWelcome: emit(({ context }) => say(t(context, 'welcome'))),
      sayHelp: emit(({ context }) => say(t(context, 'help'))),
      sayThanks: emit(({ context }) => say(t(context, 'thanks'))),
      saySmallTalk: emit(({ context, event }) => {
        assertEvent(event, 'SMALL_TALK');
        const greeting = t(context, GREETING_KEYS[event.kind]);
        return say(event.kind === 'bye' ? greeting : `${greeting}\n${t(context, 'whatICanDo')}`);
      }),
      sayStartOver: emit(({ context }) => say(t(context, 'startOver'))),
      askProblem: emit(({ context }) => ask('problem', t(context, 'askProblem'), [choice(context, 'TALK_TO_IT', 'buttonTalkToIt')])),

      // --- Understanding: what the message was about ---
      askWhichError: emit(({ context, event }) => {
        assertEvent(event, 'REPORT_MISMATCH');
        const { byName, byCode } = event;
        return ask(
          'which-error',
          t(context, 'errorMismatch', {
            nameName: byName.name,
            nameHex: byName.hex,
            nameCode: byName.code,
            codeTyped: event.codeAsTyped,
            codeName: byCode.name,
            codeHex: byCode.hex,
            codeCode: byCode.code,
          }),
          [
            { action: `ERROR:${byName.name}`, label: errorLabel(byName) },
            { action: `ERROR:${byCode.name}`, label: errorLabel(byCode) },
          ],
        );
      }),
      startFallbackRunbook: assign(({ event }) => {
        assertEvent(event, 'REPORT_UNCOVERED_ERROR');
        return { ...freshRun, runbookId: event.fallbackRunbookId, error: event.error };
      }),
      rememberError: assign(({ event }) => {
        assertEvent(event, 'REPORT_UNCOVERED_ERROR');
        return { ...freshRun, runbookId: null, error: event.error };
      }),
      introduceUncovered: emit(({ context, event }) => {
        assertEvent(event, 'REPORT_UNCOVERED_ERROR');
        const runbook = runbookOf(context);
        const parts = [uncoveredText(context, event), t(context, 'genericRunbookIntro')];
        if (runbook) {
          parts.push(pick(runbook.overview, context.locale), t(context, 'startChecks', { count: employeeChecks(runbook).length }));
        }
        return say(parts.join('\n\n'));
      }),
      offerHumanForUncovered: emit(({ context, event }) => {
        assertEvent(event, 'REPORT_UNCOVERED_ERROR');
        return ask('no-runbook', `${uncoveredText(context, event)}\n\n${t(context, 'noRunbookOffer')}`, talkOrRestart(context));
      }),
      offerHumanForUnknown: emit(({ context, event }) => {
        assertEvent(event, 'REPORT_UNKNOWN_CODE');
        return ask('unknown-code', t(context, 'unknownCode', { raw: event.raw }), talkOrRestart(context));
      }),
      rememberUnknownCode: assign(({ event }) => {
        assertEvent(event, 'REPORT_UNKNOWN_CODE');
        return { ...freshRun, runbookId: null, error: null, description: event.text ?? event.raw };
      }),
      rememberWords: assign(({ event }) => {
        assertEvent(event, ['REPORT_SYMPTOM', 'REPORT_OUT_OF_SCOPE']);
        return { ...freshRun, runbookId: null, error: null, description: event.text };
      }),
      sayOutOfScope: emit(({ context, event }) => {
        assertEvent(event, 'REPORT_OUT_OF_SCOPE');
        return ask('out-of-scope', t(context, 'outOfScope', { topic: t(context, TOPIC_KEYS[event.topic]) }), talkOrRestart(context));
      }),
      startSymptomRunbook: assign(({ event }) => {
        assertEvent(event, 'REPORT_SYMPTOM');
        return { ...freshRun, runbookId: event.runbookIds[0] ?? null, error: null, description: event.text };
      }),
      saySymptomMatched: emit(({ context }) => {
        const runbook = runbookOf(context);
        return say(t(context, 'symptomMatched', { title: runbook ? pick(runbook.plainTitle, context.locale) : '' }));
      }),
      askWhichSymptom: emit(({ context, event }) => {
        assertEvent(event, 'REPORT_SYMPTOM');
        const candidates = event.runbookIds.flatMap((id) => runbooks.get(id) ?? []);
        return ask('which-runbook', t(context, 'askWhichSymptom'), [
          ...candidates.map((r): Choice => ({ action: `RUNBOOK:${r.id}`, label: pick(r.plainTitle, context.locale) })),
          choice(context, 'NONE_OF_THESE', 'buttonNoneOfThese'),
          choice(context, 'TALK_TO_IT', 'buttonTalkToIt'),
        ]);
      }),
      sayNoneOfThese: emit(({ context }) => ask('none-of-these', t(context, 'noneOfThese'), [choice(context, 'TALK_TO_IT', 'buttonTalkToIt')])),

      // --- Runbook: the checks ---
      startRunbook: assign(({ context, event }) => {
        assertEvent(event, 'REPORT_ERROR');
        // A runbook picked from the offered candidates keeps the words that led to it.
        return { ...freshRun, runbookId: event.runbookId, error: event.error, description: context.description ?? null };
      }),
      resetConversation: assign({ runbookId: null, error: null, description: null, ...freshRun }),
      advance: assign({ checkIndex: ({ context }) => context.checkIndex + 1 }),
      recordFixed: assign({ outcomes: ({ context }) => withOutcome(context, 'fixed') }),
      recordNotFixed: assign({ outcomes: ({ context }) => withOutcome(context, 'not_fixed') }),
      recordUnsure: assign({ outcomes: ({ context }) => withOutcome(context, 'unsure') }),
      recordSkipped: assign({ outcomes: ({ context }) => withOutcome(context, 'skipped') }),
      markChecksFailed: assign({ escalationReason: 'checks_failed' }),
      markUserRequest: assign({ escalationReason: 'user_request' }),
      introduceRunbook: emit(({ context }) => {
        const runbook = runbookOf(context);
        const parts: string[] = [];
        if (context.error) parts.push(t(context, 'errorIdentified', { name: context.error.name, code: context.error.code, hex: context.error.hex }));
        if (runbook) {
          parts.push(t(context, 'meaning', { meaning: pick(runbook.meaning, context.locale) }));
          parts.push(pick(runbook.overview, context.locale));
          parts.push(t(context, 'startChecks', { count: employeeChecks(runbook).length }));
        }
        return say(parts.join('\n\n'));
      }),
      askCheck: emit(({ context }) => {
        const check = checkOf(context);
        if (!check) return ask('problem', t(context, 'askProblem'), [choice(context, 'TALK_TO_IT', 'buttonTalkToIt')]);
        const header = t(context, 'checkHeader', {
          n: context.checkIndex + 1,
          total: stepsOf(context).length,
          title: pick(check.title, context.locale),
        });
        return ask(check.id, `${header}\n\n${pick(check.instruction, context.locale)}\n\n${pick(check.question, context.locale)}`, checkChoices(context));
      }),
      saySpecifics: emit(({ context }) => {
        const runbook = runbookOf(context);
        const check = checkOf(context);
        const parts: string[] = [];
        if (runbook && !context.detailsShown) parts.push(...detailsText(context, runbook));
        if (check) {
          parts.push(t(context, 'specificsIntro', { title: pick(check.title, context.locale) }));
          parts.push(pick(check.specifics, context.locale));
        }
        return say(parts.join('\n\n'));
      }),
      markDetailsShown: assign({ detailsShown: true }),
      sayStaleChoice: emit(({ context }) => say(t(context, 'staleChoice'))),
      sayNotUnderstoodAtCheck: emit(({ context }) => say(t(context, 'notUnderstoodAtCheck'))),
      sayResolved: emit(({ context }) => {
        const runbook = runbookOf(context);
        const tips = runbook?.prevention.filter((p) => p.audience === 'employee') ?? [];
        const parts = [t(context, 'resolved')];
        if (tips.length > 0) parts.push(`${t(context, 'preventionIntro')}\n${bulletList(tips, context.locale)}`);
        return say(parts.join('\n\n'));
      }),
      askHelpful: emit(({ context }) =>
        ask('feedback', t(context, 'askHelpful'), [choice(context, 'HELPFUL_YES', 'buttonYes'), choice(context, 'HELPFUL_NO', 'buttonNo')]),
      ),
      sayHelpfulThanks: emit(({ context }) => say(t(context, 'helpfulThanks'))),
      offerHuman: emit(({ context }) => ask('offer-human', t(context, 'notHelpful'), talkOrRestart(context))),

      // --- Handoff: intake, ticket, waiting, live chat, leaving, rating ---
      rememberRequestWords: assign(({ context, event }) => {
        assertEvent(event, 'REQUEST_HUMAN');
        return { description: event.description ?? context.description ?? null };
      }),
      askDescription: emit(({ context }) =>
        ask('describe', t(context, 'askDescription'), [choice(context, 'SKIP_DESCRIPTION', 'buttonSkipDescription')]),
      ),
      rememberDescription: assign(({ event }) => {
        assertEvent(event, 'DESCRIBE');
        return { description: event.text };
      }),
      sayEscalating: emit(({ context }) =>
        say(t(context, context.escalationReason === 'checks_failed' ? 'escalateChecksFailed' : 'escalateUserRequest')),
      ),
      requestHandoff: emit(({ context }) => ({
        type: 'handoff',
        reason: context.escalationReason ?? 'user_request',
        runbookId: context.runbookId,
        error: context.error,
        checks: allChecks(context),
        itSteps: itSteps(context),
        description: context.description ?? null,
      })),
      rememberTicket: assign(({ event }) => {
        assertEvent(event, 'TICKET_CREATED');
        return { ticketNumber: event.ticketNumber };
      }),
      sayQueued: emit(({ context, event }) => {
        assertEvent(event, 'TICKET_CREATED');
        const shared = sharedText(context);
        const parts = [t(context, 'ticketCreated', ticket(context)), ...(shared ? [shared] : []), ...queueText(context, event.queue)];
        return ask('waiting', [...parts, t(context, 'waitingHint')].join('\n\n'), waitingChoices(context));
      }),
      sayTicketFailed: emit(({ context }) => say(t(context, 'ticketFailed'))),
      sayWaitingForIt: emit(({ context }) => ask('waiting', t(context, 'waitingForIt', ticket(context)), waitingChoices(context))),
      noteToTicket: emit(({ context, event }) => {
        assertEvent(event, 'USER_MESSAGE');
        return ticketOutput(context, { kind: 'note', text: event.text });
      }),
      sayNoteAdded: emit(({ context }) => ask('waiting', t(context, 'noteAdded', ticket(context)), waitingChoices(context))),
      askLeave: emit(({ context }) =>
        ask('leave', t(context, 'askLeave', ticket(context)), [
          choice(context, 'CONFIRM_LEAVE', 'buttonConfirmLeave'),
          choice(context, 'KEEP_TICKET', 'buttonKeepTicket'),
        ]),
      ),
      sayTicketKept: emit(({ context }) => say(t(context, 'ticketKept', ticket(context)))),
      sayTicketKeptWithAgent: emit(({ context }) => say(t(context, 'ticketKeptWithAgent', { ...ticket(context), agent: context.agentName ?? '' }))),
      cancelTicket: emit(({ context }) => ticketOutput(context, { kind: 'cancel' })),
      sayTicketCancelled: emit(({ context }) => say(t(context, 'ticketCancelled', ticket(context)))),
      leaveAgent: emit(({ context }) => ticketOutput(context, { kind: 'leave' })),
      sayBackToBot: emit(({ context }) => say(t(context, 'backToBot', ticket(context)))),
      rememberAgent: assign(({ context, event }) => ({
        agentName: agentOf(context, event),
        ticketNumber: 'ticketNumber' in event ? event.ticketNumber : context.ticketNumber,
      })),
      forgetAgent: assign({ agentName: null }),
      sayAgentJoined: emit(({ context, event }) => say(t(context, 'agentJoined', { agent: agentOf(context, event) }))),
      sayAgentMessage: emit(({ context, event }) => {
        assertEvent(event, 'AGENT_MESSAGE');
        return say(t(context, 'agentMessage', { agent: agentOf(context, event), text: event.text }));
      }),
      sayAgentResolved: emit(({ context, event }) => {
        assertEvent(event, 'TICKET_RESOLVED');
        const parts = [t(context, 'agentResolved', { agent: agentOf(context, event), ...ticket(context) })];
        if (event.note) parts.push(t(context, 'resolutionNote', { note: event.note }));
        return say(parts.join('\n\n'));
      }),
      sayAgentReleased: emit(({ context, event }) =>
        ask('waiting', t(context, 'agentReleased', { agent: agentOf(context, event), ...ticket(context) }), waitingChoices(context)),
      ),
      askSolved: emit(({ context }) =>
        ask('solved', t(context, 'askSolved'), [choice(context, 'HELPFUL_YES', 'buttonYes'), choice(context, 'HELPFUL_NO', 'buttonNo')]),
      ),
      recordSolved: emit(({ context }) => ticketOutput(context, { kind: 'solved', solved: true })),
      recordNotSolved: emit(({ context }) => ticketOutput(context, { kind: 'solved', solved: false })),
      sayReopened: emit(({ context }) => ask('waiting', t(context, 'ticketReopened', ticket(context)), waitingChoices(context))),
      askRating: emit(({ context }) =>
        ask('rating', t(context, 'askRating'), ([1, 2, 3, 4, 5] as const).map((n) => ({ action: `RATE_${n}` as const, label: String(n) }))),
      ),
      sayRatingRetry: emit(({ context }) => say(t(context, 'ratingRetry'))),
      rateTicket: emit(({ context, event }) => {
        assertEvent(event, 'RATE');
        return ticketOutput(context, { kind: 'rate', rating: event.rating });
      }),
      sayRatingThanks: emit(({ context }) => say(t(context, 'ratingThanks'))),
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
    description: null,
  };
}

/**
 * The check-by-check part of every runbook, as one state node: the employee's checks only. `resolved` and
 * `escalated` are the targets the caller wants on each way out, so the same node serves inside the conversation and
 * as a standalone machine.
 */
export function checkingState(targets: { resolved: string; escalated: string }) {
  const next = (record: 'recordNotFixed' | 'recordUnsure' | 'recordSkipped') => [
    { guard: 'hasNextCheck' as const, target: 'checking', reenter: true, actions: [record, 'advance'] as const },
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
      REQUEST_HUMAN: { target: targets.escalated, actions: ['markUserRequest', 'rememberRequestWords'] as const },
    },
  };
}

/** A fresh runbook run: every per-run field back to its start. */
const freshRun = { checkIndex: 0, detailsShown: false, outcomes: [], escalationReason: null, ticketNumber: null };

export type { Locale };
