import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { buildReport, localDay, type Report } from './build-report.js';
import { maskPersonalData } from './mask-personal-data.js';
import { createOutcomeRecorder, type OutcomeRecorderService } from './outcome-recorder.js';
import { createOutcomeStore, type OutcomeStore } from './outcome-store.js';

export interface ReportQuery {
  /** Local dates (YYYY-MM-DD) in the helpdesk's time zone, both included; default: the last 30 days. */
  from?: string | undefined;
  to?: string | undefined;
  channel?: string | undefined;
}

export interface Analytics {
  store: OutcomeStore;
  recorder: OutcomeRecorderService;
  report(query: ReportQuery): Promise<Report>;
  channels(): Promise<string[]>;
}

declare module 'fastify' {
  interface FastifyInstance {
    analytics: Analytics;
  }
}

const DAY = 86_400_000;

/**
 * Deflection analytics (issue 13): records the outcome of every problem from the turn runner (through its outcome
 * port) and from the ticket events, marks silent problems abandoned, and builds the admin dashboard's report.
 */
async function analyticsPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const { runner, content } = app.conversation;
  const store = createOutcomeStore(app.storage.database);
  const recorder = createOutcomeRecorder({ store, metrics: app.metrics.outcomes, logger: app.log });
  const log = app.log.child({ module: 'analytics' });
  runner.setOutcomeRecorder(recorder);
  app.handoff.onEvent((event, ticket) => recorder.ticketEvent(event, ticket));
  app.metrics.setQueueLengthSource(async () => (await app.handoff.list('queued')).length);

  // The first query of each kind pays for building and preparing it: pay at start-up, not in an employee's first turn.
  app.addHook('onReady', async () => {
    await store.latestForConversation('');
    maskPersonalData('warm-up 090-0000-0000 a@b.jp', ['warm up']);
  });

  const idleSeconds = config.analytics.abandonedAfterMinutes * 60;
  const sweep = setInterval(
    () => {
      recorder.sweepAbandoned(idleSeconds).catch((err: unknown) => log.error({ err }, 'marking abandoned problems failed'));
    },
    Math.min(60_000, (idleSeconds * 1000) / 2),
  );
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));

  const timeZone = config.businessHours.timeZone;
  app.decorate('analytics', {
    store,
    recorder,
    async report(query: ReportQuery): Promise<Report> {
      const now = new Date();
      const to = query.to ?? localDay(now.toISOString(), timeZone);
      const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY).toISOString().slice(0, 10);
      // Local days may start up to a day before or after UTC's: read a little more, buildReport keeps the right ones.
      const lower = new Date(Date.parse(`${from}T00:00:00Z`) - DAY).toISOString();
      const upper = new Date(Date.parse(`${to}T00:00:00Z`) + 2 * DAY).toISOString();
      const channel = query.channel || undefined;
      const [records, unrecognised] = await Promise.all([store.startedBetween(lower, upper, channel), store.unrecognisedBetween(lower, upper, channel)]);
      return buildReport({
        range: { from, to, channel: channel ?? null, timeZone },
        records,
        unrecognised,
        runbooks: content.runbooks,
        now,
        abandonedAfterMinutes: config.analytics.abandonedAfterMinutes,
      });
    },
    channels: () => store.channels(),
  } satisfies Analytics);
}

export default fp(analyticsPlugin, { name: 'analytics', dependencies: ['storage', 'conversation', 'handoff', 'metrics'] });
