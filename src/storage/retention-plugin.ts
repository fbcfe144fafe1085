import fp from 'fastify-plugin';
import { purgeExpired, type PurgeResult, type RetentionPolicy } from './retention.js';

export interface Retention {
  policy: RetentionPolicy;
  /** One purge now (the periodic job calls the same); `ran` is false when another instance holds the lock. */
  runOnce(now?: Date): Promise<PurgeResult>;
}

declare module 'fastify' {
  interface FastifyInstance {
    retention: Retention;
  }
}

/** How often each instance tries to purge (only one at a time succeeds on PostgreSQL). */
const EVERY_MS = 60 * 60_000;
/** The first run, soon after start-up but not in the middle of it. */
const FIRST_AFTER_MS = 60_000;

/** The periodic purge of data older than the retention policy (TRANSCRIPT_RETENTION_DAYS, DIRECTLINE_RETENTION_DAYS). */
export default fp<{ policy: RetentionPolicy }>(
  async (app, { policy }) => {
    const log = app.log.child({ job: 'retention' });
    const runOnce = (now?: Date) => purgeExpired(app.storage.database, policy, now);
    app.decorate('retention', { policy, runOnce });

    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      try {
        const result = await runOnce();
        if (!result.ran) log.debug('another instance is purging; skipped this round');
        else if (result.transcriptLines + result.ticketTranscripts + result.directLineActivities + result.directLineConversations > 0) {
          log.info({ ...result }, 'purged data older than the retention period');
        }
      } catch (err) {
        log.error({ err }, 'retention purge failed; retrying at the next round');
      }
      timer = setTimeout(() => void tick(), EVERY_MS);
      timer.unref();
    };
    app.addHook('onReady', async () => {
      timer = setTimeout(() => void tick(), FIRST_AFTER_MS);
      timer.unref();
    });
    app.addHook('preClose', async () => {
      if (timer) clearTimeout(timer);
    });
    if (policy.transcriptDays > 0 || policy.directLineDays > 0) {
      app.log.info({ transcriptDays: policy.transcriptDays, directLineDays: policy.directLineDays }, 'retention policy');
    }
  },
  { name: 'retention', dependencies: ['storage'] },
);
