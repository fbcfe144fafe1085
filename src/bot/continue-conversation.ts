import type { ConversationReference, TurnContext } from 'botbuilder';
import type { HelpdeskAdapter } from './create-adapter.js';

/**
 * continueConversationAsync for work that must know whether it reached the channel. botbuilder runs the callback
 * like a turn: an error in it goes to the adapter's onTurnError (which logs and apologises to whoever is on the other
 * end) and the call resolves as if all went well. Outbox deliveries need the failure instead, to retry it, and an
 * apology for a card that could not be posted must not land in the staff channel. So the error is caught inside the
 * callback and thrown again here.
 */
export async function continueConversationOrThrow(
  adapter: HelpdeskAdapter,
  appId: string,
  reference: Partial<ConversationReference>,
  work: (context: TurnContext) => Promise<void>,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  await adapter.continueConversationAsync(appId, reference, async (context) => {
    try {
      await work(context);
    } catch (error) {
      failure = { error };
    }
  });
  if (failure) throw failure.error;
}
