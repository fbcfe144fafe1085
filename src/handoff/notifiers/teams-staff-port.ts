/** A Teams conversation the bot writes to on its own: the staff channel itself, or one ticket's thread in it. */
export interface StaffConversation {
  conversationId: string;
  serviceUrl: string;
  tenantId: string;
}

/** What the staff-channel notifier (src/handoff/notifiers) needs from Teams; the botbuilder calls stay in src/bot,
 * which implements this port (src/bot/teams-staff-channel.ts). */
export interface TeamsStaffPort {
  /** Posts a card as a new thread in the channel; resolves to the activity id of the thread's root post. */
  postCard(channel: StaffConversation, card: Record<string, unknown>, summary: string): Promise<string>;
  /** Replaces the card in place (PUT …/activities/{activityId}). */
  updateCard(thread: StaffConversation, activityId: string, card: Record<string, unknown>, summary: string): Promise<void>;
  /** Writes a plain-text reply into a thread. */
  postInThread(thread: StaffConversation, text: string): Promise<void>;
}

