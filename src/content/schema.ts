import { Type, type Static } from '@sinclair/typebox';
import { MESSAGE_KEYS, type MessageKey } from '../../dialogs/message-keys.js';
import type * as Dialog from '../../dialogs/types.js';

export { MESSAGE_KEYS, type MessageKey };

/** Japanese and English side by side, so a translation can never go missing or drift to another step. */
export const Localized = Type.Object(
  { ja: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type Localized = Dialog.Localized;

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 });
const Audience = Type.Union([Type.Literal('employee'), Type.Literal('it')]);

export const Check = Type.Object(
  {
    id: Id,
    /** employee: the employee can do it at their PC; it: only IT can (admin rights, servers, policies, logs). */
    audience: Audience,
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
export type Check = Dialog.Check;

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
    /** The problem in an employee's words: the label of its button when the bot offers candidates. */
    plainTitle: Localized,
    /** What the error means, in plain words. */
    meaning: Localized,
    causes: Type.Array(Localized, { minItems: 1 }),
    remedies: Type.Array(Localized, { minItems: 1 }),
    /** Each tip says who can follow it; employees see only theirs. */
    prevention: Type.Array(
      Type.Object(
        { audience: Audience, ja: Type.String({ minLength: 1 }), en: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    /** The expert's first answer: the plan in a few lines. */
    overview: Localized,
    /** The expert's answer to "where exactly?": shown the first time the user asks for specifics. */
    details: Localized,
    /** Words an employee might use without a code ("VPNが切れる"); content:check routes each to this runbook. */
    symptoms: Type.Object(
      { ja: Type.Array(Type.String({ minLength: 1 })), en: Type.Array(Type.String({ minLength: 1 })) },
      { additionalProperties: false },
    ),
    /** Signals (src/understanding/signals.ts) pointing to this runbook, with weights 1–5. */
    signals: Type.Record(Type.String({ pattern: '^[a-zA-Z]+$' }), Type.Integer({ minimum: 1, maximum: 5 })),
    checks: Type.Array(Check, { minItems: 1 }),
    references: Type.Array(Reference, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type Runbook = Dialog.Runbook;

export const Messages = Type.Object(
  Object.fromEntries(MESSAGE_KEYS.map((k) => [k, Localized])) as Record<MessageKey, typeof Localized>,
  { additionalProperties: false },
);
export type Messages = Dialog.Messages;

/** What the schemas accept is exactly what the machines read: a compile error here means they drifted apart. */
export const schemaMatchesDialogs = {
  localized: (v: Static<typeof Localized>) => v satisfies Dialog.Localized,
  check: (v: Static<typeof Check>) => v satisfies Dialog.Check,
  runbook: (v: Static<typeof Runbook>) => v satisfies Dialog.Runbook,
  messages: (v: Static<typeof Messages>) => v satisfies Dialog.Messages,
};
