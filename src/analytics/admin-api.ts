import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HdErrors } from '../errors.js';
import { findAgent, type AgentCredential } from '../handoff/agent-tokens.js';
import { REPORT_TABLES, reportTable, toCsv, type ReportTable } from './report-csv.js';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const ReportQuery = Type.Object(
  {
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    channel: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{0,64}$' })),
    lang: Type.Optional(Type.Union([Type.Literal('ja'), Type.Literal('en')])),
  },
  { additionalProperties: false },
);
type ReportQuery = Static<typeof ReportQuery>;
const TableParams = Type.Object({ table: Type.Union(REPORT_TABLES.map((t) => Type.Literal(t))) });

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

function checkRange(query: ReportQuery): void {
  for (const day of [query.from, query.to]) {
    if (day !== undefined && Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new HdErrors.BAD_REQUEST(`${day} is not a date`);
  }
  if (query.from && query.to) {
    if (query.from > query.to) throw new HdErrors.BAD_REQUEST('"from" is after "to"');
    if (Date.parse(query.to) - Date.parse(query.from) > 366 * 86_400_000) throw new HdErrors.BAD_REQUEST('the period is longer than a year');
  }
}

/**
 * The admin API under /api/admin (bearer tokens from ADMIN_TOKENS): the dashboard's report, a CSV file of each of
 * its tables, what content is loaded, and the content reload.
 */
export async function adminApi(app: FastifyInstance, opts: { admins: readonly AgentCredential[] }): Promise<void> {
  const { admins } = opts;
  if (admins.length === 0) app.log.warn('ADMIN_TOKENS is empty: nobody can sign in to the admin dashboard (npm run agent:token -- <name>)');

  // Schema violations here are plain bad requests (the app-wide handler would call them bad activities).
  app.setErrorHandler((error: FastifyError) => {
    if (error.validation) throw new HdErrors.BAD_REQUEST(error.message);
    throw error;
  });

  const signedIn = new WeakMap<FastifyRequest, string>();
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearer(request);
    const admin = token ? findAgent(admins, token) : undefined;
    if (!admin) {
      reply.header('www-authenticate', 'Bearer realm="helpdesk-admin"');
      throw new HdErrors.UNAUTHORIZED(token ? 'the admin token is not valid (wrong or revoked)' : 'send Authorization: Bearer <admin token>');
    }
    signedIn.set(request, admin.name);
  });

  app.get('/api/admin/whoami', { schema: { hide: true } }, async (request) => ({ name: signedIn.get(request) ?? '' }));

  app.get<{ Querystring: ReportQuery }>('/api/admin/report', { schema: { hide: true, querystring: ReportQuery } }, async (request) => {
    checkRange(request.query);
    const [report, channels] = await Promise.all([app.analytics.report(request.query), app.analytics.channels()]);
    return { report, channels };
  });

  app.get<{ Params: Static<typeof TableParams>; Querystring: ReportQuery }>(
    '/api/admin/report/:table.csv',
    { schema: { hide: true, params: TableParams, querystring: ReportQuery } },
    async (request, reply) => {
      checkRange(request.query);
      const report = await app.analytics.report(request.query);
      const table: ReportTable = request.params.table;
      const name = `helpdesk-${table}-${report.range.from}-${report.range.to}${report.range.channel ? `-${report.range.channel}` : ''}.csv`;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(toCsv(reportTable(report, table, request.query.lang ?? 'en')));
    },
  );

  app.get('/api/admin/content', { schema: { hide: true } }, async () => {
    const { content, contentHolder } = app.conversation;
    return {
      hash: content.hash,
      runbooks: [...content.runbooks.values()].map((r) => ({ id: r.id, title: r.title, errors: r.errors, checks: r.checks.length })),
      lastReload: contentHolder.lastReload() ?? null,
    };
  });

  app.post('/api/admin/content/reload', { schema: { hide: true } }, async (request, reply) => {
    const result = app.conversation.reloadContent(`admin ${signedIn.get(request) ?? ''}`.trim());
    if (!result.ok) {
      return reply.code(422).send({
        statusCode: 422,
        code: 'HD_ERR_CONTENT_INVALID',
        error: 'Unprocessable Entity',
        message: `the content was not reloaded: ${result.faults.length} problem(s); the previous content stays in use`,
        faults: result.faults,
      });
    }
    return result;
  });
}
