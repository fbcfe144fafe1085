// Echo bot with conversation state: counts the turns of each conversation in ConversationState and echoes the
// text back, saving the state at the end of every turn (the samples' onDialog + saveChanges pattern).
import { ActivityHandler, MessageFactory } from 'botbuilder';

export class EchoBot extends ActivityHandler {
  constructor(conversationState) {
    super();
    this.conversationState = conversationState;
    this.turnCount = conversationState.createProperty('turnCount');

    this.onMessage(async (context, next) => {
      const count = (await this.turnCount.get(context, 0)) + 1;
      await this.turnCount.set(context, count);
      const replyText = `Echo: ${context.activity.text}`;
      await context.sendActivity(MessageFactory.text(replyText, replyText));
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) await context.sendActivity(MessageFactory.text('Hello and welcome!'));
      }
      await next();
    });
  }

  async run(context) {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}
