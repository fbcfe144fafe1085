import type { FastifyInstance } from 'fastify';
import type { BotOutput } from '../../dialogs/types.js';
import type { ProactiveDelivery } from '../bot/proactive-delivery.js';
import type { BotSideActivity } from '../channels/directline/directline-plugin.js';
import type { StaffTurnResult } from '../conversation/turn-runner.js';

function rawConversationId(result: StaffTurnResult): string {
  const reference = result.reference;
  const conversation = typeof reference === 'object' && reference !== null ? Reflect.get(reference, 'conversation') : undefined;
  const id: unknown = typeof conversation === 'object' && conversation !== null ? Reflect.get(conversation, 'id') : undefined;
  if (typeof id === 'string' && id !== '') return id;
  const prefix = `${result.channelId}:`;
  return result.conversationId.startsWith(prefix) ? result.conversationId.slice(prefix.length) : result.conversationId;
}

/** A dialog output as a bot-side Direct Line message (buttons as messageBack, like render-activity does). */
function toBotSide(output: BotOutput, locale: string): BotSideActivity | undefined {
  if (output.type === 'say') return { type: 'message', text: output.text, locale };
  if (output.type === 'ask') {
    return {
      type: 'message',
      text: output.text,
      locale,
      suggestedActions: {
        actions: output.choices.map((choice) => ({
          type: 'messageBack',
          title: choice.label,
          text: choice.label,
          displayText: choice.label,
          value: { kind: 'hd.choice', action: choice.action, step: output.stepId },
        })),
      },
    };
  }
  return undefined;
}

/**
 * Delivers the outputs of a staff-initiated turn to the employee, proactively: Web Chat conversations of our own
 * Direct Line get them appended to their history (live on an open socket, or on reconnect); every other channel
 * (Teams, Emulator, Azure Direct Line) through the stored ConversationReference.
 */
export function createOutputDelivery(app: FastifyInstance, proactive: ProactiveDelivery) {
  return async function deliver(result: StaffTurnResult): Promise<void> {
    if (result.outputs.length === 0) return;
    const localeTag = result.locale === 'ja' ? 'ja-JP' : 'en-US';
    const rawId = rawConversationId(result);
    if (app.hasDecorator('directline') && (await app.directline.hasConversation(rawId))) {
      for (const output of result.outputs) {
        const activity = toBotSide(output, localeTag);
        if (activity) await app.directline.postBotActivity(rawId, activity);
      }
      return;
    }
    await proactive.send(result.reference, result.outputs, result.locale);
  };
}
