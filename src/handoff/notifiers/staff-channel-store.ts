import type { Database } from '../../storage/database.js';
import { executor } from '../../storage/unit-of-work.js';

/** Tables of migration 0005_teams_staff; declared here so the storage schema needs no knowledge of Teams. */
interface TeamsStaffChannelTable {
  id: string;
  channel_id: string;
  service_url: string;
  tenant_id: string;
  team_id: string;
  team_name: string;
  captured_at: string;
}

interface TeamsTicketCardTable {
  ticket_id: number;
  channel_id: string;
  thread_id: string;
  activity_id: string;
  service_url: string;
  tenant_id: string;
  created_at: string;
  updated_at: string;
}

/** Where ticket cards go: a Teams channel, reached through the Bot Connector at serviceUrl. */
export interface StaffChannel {
  channelId: string;
  serviceUrl: string;
  tenantId: string;
  teamId: string;
  teamName: string;
  source: 'config' | 'installation';
}

/** The card posted for one ticket: its activity id (for updates) and its thread (for replies). */
export interface TicketCardRef {
  ticketId: number;
  channelId: string;
  /** `19:…@thread.tacv2;messageid=<activityId>`: the conversation id of the card's reply thread. */
  threadId: string;
  activityId: string;
  serviceUrl: string;
  tenantId: string;
}

const CAPTURED = 'captured';

/** The channel part of a Teams conversation id: replies in a thread carry `;messageid=…` after it. */
export function channelOf(conversationId: string): string {
  const at = conversationId.indexOf(';');
  return at === -1 ? conversationId : conversationId.slice(0, at);
}

export function threadIdFor(channelId: string, activityId: string): string {
  return `${channelOf(channelId)};messageid=${activityId}`;
}

export function createStaffChannelStore(database: Database) {
  type Tables = { teams_staff_channel: TeamsStaffChannelTable; teams_ticket_cards: TeamsTicketCardTable };
  const db = database.db.withTables<Tables>();
  /** Inside a unit of work (a ticket change writing its outbox row), reads join its transaction. */
  const current = () => executor(database.db).withTables<Tables>();
  return {
    async captured(): Promise<StaffChannel | undefined> {
      const row = await current().selectFrom('teams_staff_channel').selectAll().where('id', '=', CAPTURED).executeTakeFirst();
      return row
        ? { channelId: row.channel_id, serviceUrl: row.service_url, tenantId: row.tenant_id, teamId: row.team_id, teamName: row.team_name, source: 'installation' }
        : undefined;
    },

    /** Stores the channel the bot was installed in; the first capture stays until the bot is removed from that team. */
    async capture(channel: Omit<StaffChannel, 'source'>): Promise<boolean> {
      const result = await db
        .insertInto('teams_staff_channel')
        .values({
          id: CAPTURED,
          channel_id: channel.channelId,
          service_url: channel.serviceUrl,
          tenant_id: channel.tenantId,
          team_id: channel.teamId,
          team_name: channel.teamName,
          captured_at: new Date().toISOString(),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    /** Forgets the captured channel when the bot is removed from that team. */
    async forgetTeam(teamId: string): Promise<boolean> {
      const result = await db.deleteFrom('teams_staff_channel').where('id', '=', CAPTURED).where('team_id', '=', teamId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async saveCard(card: TicketCardRef): Promise<void> {
      const now = new Date().toISOString();
      await db
        .insertInto('teams_ticket_cards')
        .values({
          ticket_id: card.ticketId,
          channel_id: card.channelId,
          thread_id: card.threadId,
          activity_id: card.activityId,
          service_url: card.serviceUrl,
          tenant_id: card.tenantId,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('ticket_id').doUpdateSet({
            channel_id: card.channelId,
            thread_id: card.threadId,
            activity_id: card.activityId,
            service_url: card.serviceUrl,
            tenant_id: card.tenantId,
            updated_at: now,
          }),
        )
        .execute();
    },

    async cardForTicket(ticketId: number): Promise<TicketCardRef | undefined> {
      const row = await current().selectFrom('teams_ticket_cards').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst();
      return row ? toRef(row) : undefined;
    },

    async cardForThread(threadId: string): Promise<TicketCardRef | undefined> {
      const row = await current().selectFrom('teams_ticket_cards').selectAll().where('thread_id', '=', threadId).executeTakeFirst();
      return row ? toRef(row) : undefined;
    },
  };
}

function toRef(row: TeamsTicketCardTable): TicketCardRef {
  return {
    ticketId: Number(row.ticket_id),
    channelId: row.channel_id,
    threadId: row.thread_id,
    activityId: row.activity_id,
    serviceUrl: row.service_url,
    tenantId: row.tenant_id,
  };
}

export type StaffChannelStore = ReturnType<typeof createStaffChannelStore>;
