import { Type, type Static } from '@sinclair/typebox';

/** Japanese and English side by side, so a translation can never go missing or drift to another step. */
export const Localized = Type.Object(
  { ja: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type Localized = Static<typeof Localized>;

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 });

export const Check = Type.Object(
  {
    id: Id,
    title: Localized,
    /** What to do, in one or two sentences. */
    instruction: Localized,
    /** Exactly where to look, for a beginner ("Show me how"). */
    specifics: Localized,
    /** The yes/no question asked after the instruction. */
    question: Localized,
  },
  { additionalProperties: false },
);
export type Check = Static<typeof Check>;

export const Reference = Type.Object(
  { title: Type.String({ minLength: 1 }), url: Type.String({ pattern: '^https://' }) },
  { additionalProperties: false },
);

export const Runbook = Type.Object(
  {
    id: Id,
    /** Catalog names (ERROR_…) this runbook is for. The numbers always come from the catalog. */
    errors: Type.Array(Type.String({ pattern: '^[A-Z][A-Z0-9_]+$' })),
    /** Catalog family this runbook serves as the generic fallback for, if any. */
    fallbackFor: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    title: Localized,
    /** What the error means, in plain words. */
    meaning: Localized,
    causes: Type.Array(Localized, { minItems: 1 }),
    remedies: Type.Array(Localized, { minItems: 1 }),
    prevention: Type.Array(Localized, { minItems: 1 }),
    /** The expert's first answer: the plan in a few lines. */
    overview: Localized,
    /** The expert's answer to "where exactly?": shown the first time the user asks for specifics. */
    details: Localized,
    /** Words an employee might use without a code ("VPNが切れる"); used by symptom search. */
    symptoms: Type.Object(
      { ja: Type.Array(Type.String({ minLength: 1 })), en: Type.Array(Type.String({ minLength: 1 })) },
      { additionalProperties: false },
    ),
    checks: Type.Array(Check, { minItems: 1 }),
    references: Type.Array(Reference, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type Runbook = Static<typeof Runbook>;

/** Every string the bot says outside runbooks. `{name}` placeholders are filled by the dialogs. */
export const MESSAGE_KEYS = [
  'welcome',
  'help',
  'askProblem',
  'errorIdentified',
  'meaning',
  'startChecks',
  'checkHeader',
  'specificsIntro',
  'detailsIntro',
  'nextCheck',
  'notUnderstoodAtCheck',
  'staleChoice',
  'resolved',
  'preventionIntro',
  'askHelpful',
  'helpfulThanks',
  'notHelpful',
  'escalateChecksFailed',
  'escalateUserRequest',
  'ticketCreated',
  'ticketFailed',
  'waitingForIt',
  'startOver',
  'thanks',
  'versionReset',
  'turnError',
  'storageUnavailable',
  'buttonFixed',
  'buttonNotFixed',
  'buttonShowHow',
  'buttonTalkToIt',
  'buttonYes',
  'buttonNo',
  'buttonStartOver',
  'queuePosition',
  'queueWait',
  'itOpen',
  'itClosed',
  'itClosedNoHours',
  'openingTime',
  'weekdays',
  'waitingHint',
  'buttonCancelTicket',
  'noteAdded',
  'ticketCancelled',
  'agentJoined',
  'agentMessage',
  'backToBot',
  'agentResolved',
  'resolutionNote',
  'agentReleased',
  'askSolved',
  'ticketReopened',
  'askRating',
  'ratingRetry',
  'ratingThanks',
  'errorMismatch',
  'errorUncovered',
  'errorUncoveredHresult',
  'genericRunbookIntro',
  'noRunbookOffer',
  'unknownCode',
  'symptomMatched',
  'askWhichSymptom',
  'buttonNoneOfThese',
  'languageSwitched',
] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];

export const Messages = Type.Object(
  Object.fromEntries(MESSAGE_KEYS.map((k) => [k, Localized])) as Record<MessageKey, typeof Localized>,
  { additionalProperties: false },
);
export type Messages = Record<MessageKey, Localized>;
