import { CardFactory, type Attachment } from 'botbuilder';
import type { Choice } from '../../dialogs/types.js';

/** The Adaptive Card schema version Teams renders on desktop, web and mobile. */
export const ADAPTIVE_CARD_VERSION = '1.5';
const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** Button payloads carry this marker so a click is never mistaken for typed text. */
export const CHOICE_VALUE_KIND = 'hd.choice';

/** The `data` of a choice button: what comes back as `activity.value` when it is clicked. */
export interface ChoiceData {
  kind: typeof CHOICE_VALUE_KIND;
  action: Choice['action'];
  step: string;
}

/** What a question card showed, kept so the card can be redrawn without its buttons once answered. */
export interface QuestionCardContent {
  text: string;
  choices: Choice[];
  stepId: string;
}

function textBlock(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

/** Question cards this process rendered, by attachment object: the card locks read them back when sent. */
const questions = new WeakMap<Attachment, QuestionCardContent>();

/** The question behind a card attachment this process rendered, if it is one. */
export function questionOf(attachment: Attachment): QuestionCardContent | undefined {
  return questions.get(attachment);
}

/**
 * A question with one Action.Submit per choice. `msteams.messageBack` makes a click read as the user's own
 * message (the label is shown in the chat) while the bot receives the choice in `value`.
 */
export function questionCard(content: QuestionCardContent): Attachment {
  const attachment = CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: SCHEMA,
    version: ADAPTIVE_CARD_VERSION,
    fallbackText: `${content.text}\n${content.choices.map((c) => `- ${c.label}`).join('\n')}`,
    body: [textBlock(content.text)],
    actions: content.choices.map((choice) => {
      const data: ChoiceData & { msteams: Record<string, string> } = {
        kind: CHOICE_VALUE_KIND,
        action: choice.action,
        step: content.stepId,
        msteams: { type: 'messageBack', displayText: choice.label, text: choice.label },
      };
      return { type: 'Action.Submit', title: choice.label, data };
    }),
  });
  questions.set(attachment, content);
  return attachment;
}

/** The same question once answered: no buttons left, the chosen answer shown under it. */
export function answeredCard(content: QuestionCardContent, chosen: Choice): Attachment {
  return CardFactory.adaptiveCard({
    type: 'AdaptiveCard',
    $schema: SCHEMA,
    version: ADAPTIVE_CARD_VERSION,
    fallbackText: `${content.text}\n✔ ${chosen.label}`,
    body: [textBlock(content.text), textBlock(`✔ ${chosen.label}`, { weight: 'Bolder', color: 'Good', separator: true })],
  });
}
