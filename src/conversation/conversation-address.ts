/**
 * Conversation keys: the channel id, a colon, the channel's own conversation id ("webchat:Ab3…", "msteams:a:1…"),
 * so two channels can never share a conversation. The only place that builds or takes apart such a key.
 */
export const WEBCHAT_CHANNEL_ID = 'webchat';

export function conversationKey(channelId: string, conversationId: string): string {
  return `${channelId}:${conversationId}`;
}

/** The channel's own conversation id inside a key of that channel; undefined for a key of another channel. */
export function channelConversationId(key: string, channelId: string): string | undefined {
  const prefix = `${channelId}:`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
}

/** The key of a conversation of our own Direct Line (the Web Chat widget). */
export function webChatKey(conversationId: string): string {
  return conversationKey(WEBCHAT_CHANNEL_ID, conversationId);
}
