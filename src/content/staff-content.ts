import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { ContentError, parseContentYaml, validate } from './load-content.js';
import { Localized } from './schema.js';

/**
 * What IT staff read: the console's words (content/console.yaml), the canned replies they send
 * (content/canned-replies.yaml) and the staff cards in Teams (content/staff-card.yaml). Japanese and English side by
 * side, like the bot's messages; code holds only the keys.
 */

const Key = Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9.]*$' });

/** Every console string by key; `{name}` placeholders are filled in by the page. */
export const ConsoleText = Type.Record(Key, Localized);
export type ConsoleText = Static<typeof ConsoleText>;

/** Placeholders a canned reply may use; the console fills them in the ticket's language before the agent sends. */
export const CANNED_PLACEHOLDERS = ['user', 'ticket', 'agent', 'error'] as const;

export const CannedReply = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 }),
    /** What the agent picks from (in the console's language). */
    title: Localized,
    /** What the employee reads (in the ticket's language). */
    text: Localized,
  },
  { additionalProperties: false },
);
export type CannedReply = Static<typeof CannedReply>;
const CannedReplies = Type.Array(CannedReply, { minItems: 1 });

const Outcomes = Type.Object(
  { fixed: Type.String(), not_fixed: Type.String(), skipped: Type.String(), unsure: Type.String(), not_run: Type.String() },
  { additionalProperties: false },
);
const Statuses = Type.Object(
  { queued: Type.String(), assigned: Type.String(), resolved: Type.String(), cancelled: Type.String() },
  { additionalProperties: false },
);
/** The staff card's labels and the short notes the bot writes in a ticket's thread, in one language. */
const StaffCardLanguage = Type.Object(
  {
    status: Statuses,
    outcome: Outcomes,
    reason: Type.Object({ checks_failed: Type.String(), user_request: Type.String() }, { additionalProperties: false }),
    error: Type.String(),
    noError: Type.String(),
    topic: Type.String(),
    user: Type.String(),
    guest: Type.String({ description: '{number}: the short stable number of a Web Chat user without a name' }),
    channel: Type.String(),
    opened: Type.String(),
    assignee: Type.String(),
    nobody: Type.String(),
    checks: Type.String(),
    noChecks: Type.String(),
    firstWords: Type.String(),
    description: Type.String(),
    noDescription: Type.String(),
    itSteps: Type.String(),
    take: Type.String(),
    resolve: Type.String(),
    replyHint: Type.String(),
    noteEmployee: Type.String(),
    noteTakenByOther: Type.String(),
    noteClosed: Type.String(),
    noteNoTicket: Type.String(),
    noteFailed: Type.String(),
  },
  { additionalProperties: false },
);
export type StaffCardText = Static<typeof StaffCardLanguage>;
const StaffCard = Type.Object({ ja: StaffCardLanguage, en: StaffCardLanguage }, { additionalProperties: false });

export interface StaffContent {
  console: ConsoleText;
  cannedReplies: CannedReply[];
  staffCard: { ja: StaffCardText; en: StaffCardText };
}

function readYaml(contentDir: string, file: string): unknown {
  const path = join(contentDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ContentError(`content/${file}: cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return parseContentYaml(text);
  } catch (err) {
    throw new ContentError(`content/${file}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const PLACEHOLDER = /\{([a-zA-Z]+)\}/g;

function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').sort();
}

/** Loads the staff-side content once at start-up; fails fast with the file and field at fault. */
export function loadStaffContent(contentDir: string): StaffContent {
  const consoleText = validate(ConsoleText, readYaml(contentDir, 'console.yaml'), 'content/console.yaml');
  for (const [key, value] of Object.entries(consoleText)) {
    if (placeholders(value.ja).join() !== placeholders(value.en).join()) {
      throw new ContentError(`content/console.yaml: field "/${key}": ja and en use different placeholders`);
    }
  }
  const cannedReplies = validate(CannedReplies, readYaml(contentDir, 'canned-replies.yaml'), 'content/canned-replies.yaml');
  const seen = new Set<string>();
  cannedReplies.forEach((reply, i) => {
    const field = `content/canned-replies.yaml: field "/${i}`;
    if (seen.has(reply.id)) throw new ContentError(`${field}/id": duplicate id "${reply.id}"`);
    seen.add(reply.id);
    for (const locale of ['ja', 'en'] as const) {
      const unknown = placeholders(reply.text[locale]).find((p) => !(CANNED_PLACEHOLDERS as readonly string[]).includes(p));
      if (unknown) throw new ContentError(`${field}/text/${locale}": unknown placeholder {${unknown}} (use ${CANNED_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
    }
  });
  const staffCard = validate(StaffCard, readYaml(contentDir, 'staff-card.yaml'), 'content/staff-card.yaml');
  return { console: consoleText, cannedReplies, staffCard };
}

/** Fills `{name}` placeholders; unknown ones stay as they are (so a typo is visible, not silently empty). */
export function fillPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}
