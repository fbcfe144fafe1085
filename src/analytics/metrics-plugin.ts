import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isLoopback } from '../config.js';
import { HdErrors } from '../errors.js';
import type { OutcomeMetrics } from './outcome-recorder.js';

export interface HelpdeskMetrics {
  registry: Registry;
  /** The sink the outcome recorder counts into. */
  outcomes: OutcomeMetrics;
  /** Where helpdesk_queue_length reads the number of tickets waiting for IT (set by the analytics plugin). */
  setQueueLengthSource(source: () => Promise<number>): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: HelpdeskMetrics;
  }
}

export interface MetricsOptions {
  /** METRICS_TOKEN: a bearer token that lets a remote Prometheus scrape; empty means loopback only. */
  token: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * A request from this very machine: the socket is loopback, and no proxy says it forwarded someone else's request
 * (a reverse proxy on the same host would otherwise make every outside scraper look local).
 */
function fromLoopback(request: FastifyRequest): boolean {
  const socketAddress = (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  return isLoopback(socketAddress) && isLoopback(request.ip.replace(/^::ffff:/, '')) && !forwarded;
}

/**
 * GET /metrics in the Prometheus text format: process and HTTP metrics, and the helpdesk's own counters. Answers
 * loopback clients; others need `Authorization: Bearer <METRICS_TOKEN>` (403 without it, 401 with a wrong one).
 */
async function metricsPlugin(app: FastifyInstance, opts: MetricsOptions): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const http = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route and status code, and how long they took',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const conversations = new Counter({ name: 'helpdesk_conversations_total', help: 'Conversations started, by channel', labelNames: ['channel'], registers });
  const outcomes = new Counter({
    name: 'helpdesk_outcomes_total',
    help: 'Problems that reached an outcome (resolved_by_bot, escalated, resolved_by_it, abandoned), by runbook',
    labelNames: ['outcome', 'runbook'],
    registers,
  });
  const escalations = new Counter({
    name: 'helpdesk_escalations_total',
    help: 'Hand-offs to IT staff, by reason (checks_failed, user_request, out_of_scope, unknown_code)',
    labelNames: ['reason'],
    registers,
  });
  const turns = new Histogram({
    name: 'helpdesk_turn_duration_seconds',
    help: 'How long one employee turn took, from loading the conversation to saving it',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  let queueSource: (() => Promise<number>) | undefined;
  new Gauge({
    name: 'helpdesk_queue_length',
    help: 'Tickets waiting in the queue for IT staff',
    registers,
    async collect() {
      if (!queueSource) return;
      try {
        this.set(await queueSource());
      } catch (err) {
        app.log.warn({ err }, 'queue length unavailable for /metrics');
      }
    },
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    http.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const tokenHash = opts.token ? sha256(opts.token) : undefined;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!fromLoopback(request)) {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!tokenHash) throw new HdErrors.FORBIDDEN('/metrics answers loopback clients only; set METRICS_TOKEN to let a remote Prometheus scrape with a bearer token');
      if (!match?.[1]) throw new HdErrors.FORBIDDEN('/metrics needs Authorization: Bearer <METRICS_TOKEN> from a remote address');
      if (!timingSafeEqual(sha256(match[1]), tokenHash)) throw new HdErrors.UNAUTHORIZED('the metrics token is not valid');
    }
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(body);
  });

  app.decorate('metrics', {
    registry,
    outcomes: {
      conversationStarted: (channel) => conversations.inc({ channel }),
      outcome: (outcome, runbookId) => outcomes.inc({ outcome, runbook: runbookId ?? 'none' }),
      escalation: (reason) => escalations.inc({ reason }),
      turn: (seconds) => turns.observe(seconds),
    },
    setQueueLengthSource(source) {
      queueSource = source;
    },
  } satisfies HelpdeskMetrics);
}

export default fp(metricsPlugin, { name: 'metrics' });
