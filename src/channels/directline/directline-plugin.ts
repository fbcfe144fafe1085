/** A card or file attached to a bot-side Direct Line activity (the Bot Framework attachment shape). */
export interface DirectLineAttachment {
  contentType: string;
  content?: unknown;
  contentUrl?: string;
  name?: string;
}

/** A button under a bot-side Direct Line message (the Bot Framework CardAction shape). */
export interface DirectLineCardAction {
  type: string;
  title: string;
  value?: unknown;
  text?: string;
  displayText?: string;
}

/** What another part of the service (the human handoff relay) may append to a Web Chat conversation. */
export interface BotSideActivity {
  type: 'message';
  text: string;
  /** Who speaks; defaults to the bot. An IT staff member may be named here (role 'bot' is kept for Web Chat). */
  from?: { id: string; name?: string; role?: string };
  suggestedActions?: { actions: DirectLineCardAction[]; to?: string[] };
  attachments?: DirectLineAttachment[];
  locale?: string;
}

/** The self-hosted Direct Line 3.0 channel as seen from other plugins. */
export interface DirectLine {
  /**
   * Appends a bot-side activity to a Direct Line conversation's stored history and pushes it to every open socket
   * of that conversation. Resolves to the server-assigned activity id. Rejects with HD_ERR_NOT_FOUND when the
   * conversation does not exist.
   */
  postBotActivity(conversationId: string, activity: BotSideActivity): Promise<string>;
  /** True when the conversation was started through this Direct Line (so a `webchat:` conversation key is ours). */
  hasConversation(conversationId: string): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyInstance {
    directline: DirectLine;
  }
}
