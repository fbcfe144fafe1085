import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Choice } from '../../dialogs/types.js';
import { answeredCard, CHOICE_VALUE_KIND, questionOf, type QuestionCardContent } from './adaptive-card.js';
import type { TurnExtension } from './helpdesk-bot.js';

/** Where a turn keeps its card lock while it is on its way. */
const LOCKING = Symbol('teams card lock');

/** How many unanswered question cards are remembered per process (oldest forgotten first). */
const DEFAULT_CAPACITY = 5000;

interface Click {
  cardId: string;
  step: string;
  label: string;
}

/** A click on one of our card buttons: Teams sends the card's activity id as replyToId and the button's data as value. */
function readClick(activity: Activity): Click | undefined {
  if (activity.type !== ActivityTypes.Message || typeof activity.replyToId !== 'string' || activity.replyToId === '') return undefined;
  const value: unknown = activity.value;
  if (typeof value !== 'object' || value === null) return undefined;
  const kind: unknown = Reflect.get(value, 'kind');
  const step: unknown = Reflect.get(value, 'step');
  if (kind !== CHOICE_VALUE_KIND || typeof step !== 'string') return undefined;
  const action: unknown = Reflect.get(value, 'action');
  const label = typeof activity.text === 'string' ? activity.text.trim() : '';
  return { cardId: activity.replyToId, step, label: label || (typeof action === 'string' ? action : '') };
}

function chosenChoice(content: QuestionCardContent, click: Click, action: unknown): Choice | undefined {
  return (
    content.choices.find((c) => c.label === click.label && c.action === action) ??
    content.choices.find((c) => c.label === click.label) ??
    content.choices.find((c) => c.action === action)
  );
}

/**
 * Teams cards that cannot be answered twice. Every question card the bot sends in Teams is remembered with the id
 * the Bot Connector gave it; when one of its buttons is clicked, the card is replaced in place (updateActivity) by
 * the same question with the chosen answer and no buttons. Only cards this process sent are ever rewritten, and
 * only with their own text: a forged click cannot make the bot edit another message or show other words.
 */
export function createTeamsCardLocks(logger: Logger, capacity = DEFAULT_CAPACITY): TurnExtension {
  const open = new Map<string, QuestionCardContent>();
  const keyOf = (activity: Activity, id: string) => `${activity.channelId}:${activity.conversation?.id ?? ''}:${id}`;

  function remember(key: string, content: QuestionCardContent): void {
    open.set(key, content);
    while (open.size > capacity) {
      const oldest = open.keys().next().value;
      if (oldest === undefined) break;
      open.delete(oldest);
    }
  }

  return {
    async intercept(context: TurnContext): Promise<boolean> {
      if (context.activity.channelId !== 'msteams') return false;
      context.onSendActivities(async (ctx, activities, next) => {
        const responses = await next();
        activities.forEach((activity, i) => {
          const id = responses?.[i]?.id;
          const content = activity.attachments?.map(questionOf).find((q) => q !== undefined);
          if (id && content) remember(keyOf(ctx.activity, id), content);
        });
        return responses;
      });

      const click = readClick(context.activity);
      if (!click) return false;
      const key = keyOf(context.activity, click.cardId);
      const content = open.get(key);
      if (!content || content.stepId !== click.step) return false;
      const chosen = chosenChoice(content, click, Reflect.get(Object(context.activity.value), 'action'));
      if (!chosen) return false;
      open.delete(key);
      // The lock goes out while the turn runs instead of before it: the answer no longer waits a Bot Connector round
      // trip for it. The turn ends only once the lock is done (afterTurn), so nothing is left running behind it.
      const locking = context
        .updateActivity({ type: ActivityTypes.Message, id: click.cardId, attachments: [answeredCard(content, chosen)] })
        .then(
          () => undefined,
          (err: unknown) => {
            // The answer still counts; only the card keeps its buttons. Put it back so a later click can lock it.
            remember(key, content);
            logger.warn({ err, conversationId: keyOf(context.activity, '') }, 'could not lock the answered card');
          },
        );
      context.turnState.set(LOCKING, locking);
      return false;
    },

    async afterTurn(context: TurnContext): Promise<void> {
      const locking: unknown = context.turnState.get(LOCKING);
      if (locking instanceof Promise) await locking;
    },
  };
}
