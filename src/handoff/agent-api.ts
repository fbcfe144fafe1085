import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { loadStaffContent } from '../content/staff-content.js';
import { HdErrors } from '../errors.js';
import { ErrorRefSchema, PersonSchema, TicketSchema, TicketStatusSchema } from '../storage/ticket-store.js';
import { findAgent, type AgentCredential } from './agent-tokens.js';
import type { Agent, Ticket as TicketRow, TicketEvent } from './handoff-service.js';
import { MAX_AGENT_MESSAGE, summarise } from './handoff-plugin.js';
import { lazyValidator } from '../lazy-schema-compilers.js';

const Status = TicketStatusSchema;
const ErrorRef = ErrorRefSchema;
const Person = PersonSchema;
/** The ticket row as the API shows it: the one ticket schema, without the transcript (that is the view's `messages`). */
const Ticket = Type.Omit(TicketSchema, ['transcript'], { $id: 'Ticket' });
const Summary = Type.Object({
  id: Type.Integer(),
  number: Type.String(),
  status: Status,
  userName: Type.String(),
  channelId: Type.String(),
  locale: Type.String(),
  error: ErrorRef,
  failedChecks: Type.Array(Type.String(), { description: 'Titles of the checks the employee tried without success' }),
  assignee: Person,
  createdAt: Type.String(),
  updatedAt: Type.String(),
  waitingSeconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Time in the queue so far (queued tickets only)' }),
  guestNumber: Type.Union([Type.String(), Type.Null()], {
    description: 'For a user without a name (anonymous Web Chat): a short number that stays the same for that user, shown as "ゲスト（Web）#1234"',
  }),
  queuedAt: Type.String(),
  assignedAt: Type.Union([Type.String(), Type.Null()]),
});
const Event = Type.Object({
  type: Type.String(),
  ticketId: Type.Integer(),
  ticketNumber: Type.String(),
  at: Type.String(),
  actor: Type.Object({ kind: Type.String(), id: Type.String(), name: Type.String() }),
  text: Type.Optional(Type.String()),
});
const Message = Type.Object({ role: Type.String(), author: Type.String(), text: Type.String(), at: Type.String() });
const View = Type.Object({
  ticket: Type.Ref('Ticket'),
  guestNumber: Summary.properties.guestNumber,
  description: Type.Union([Type.String(), Type.Null()], { description: "The employee's own words about the problem" }),
  nextSteps: Type.Array(Type.Object({ title: Type.String(), instruction: Type.String() }), {
    description: 'What IT does next, from the runbook (checks only IT can do), in the ticket language',
  }),
  topic: Type.Union([Type.String(), Type.Null()], { description: "The runbook's title in the ticket language" }),
  assignee: Person,
  events: Type.Array(Event),
  messages: Type.Array(Message, { description: 'The whole conversation: employee, bot and agent' }),
  resolution: Type.Object({
    solved: Type.Union([Type.Boolean(), Type.Null()]),
    rating: Type.Union([Type.Integer(), Type.Null()]),
    note: Type.Union([Type.String(), Type.Null()]),
  }),
});
const ErrorBody = Type.Object({ statusCode: Type.Integer(), code: Type.String(), error: Type.String(), message: Type.String() });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 999_999_999 }) });
const ListQuery = Type.Object({
  status: Type.Optional(Status),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Ticket number (HD-000042 or 42), user name, or error name / code / hex' })),
});
const MessageBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: MAX_AGENT_MESSAGE }) });
const ResolveBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: MAX_AGENT_MESSAGE })) });
const NoteBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: MAX_AGENT_MESSAGE }) });
const TransferBody = Type.Object({ to: Type.String({ minLength: 1, maxLength: 200, description: 'The agent who takes over (an id from /api/agent/agents)' }) });
const AgentRef = Type.Object({ id: Type.String(), name: Type.String() });
const CannedReplyBody = Type.Object({
  id: Type.String(),
  title: Type.Object({ ja: Type.String(), en: Type.String() }),
  text: Type.Object({ ja: Type.String(), en: Type.String() }),
});

const security = [{ agentToken: [] }];
const errors = {
  401: { ...ErrorBody, description: 'Missing, wrong or revoked agent token' },
  404: { ...ErrorBody, description: 'No such ticket' },
};

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** The agent behind the request's bearer token; 401 (with WWW-Authenticate) when there is none. */
export function authenticateAgent(agents: readonly AgentCredential[], request: FastifyRequest, reply: FastifyReply): Agent {
  const token = bearer(request);
  const found = token ? findAgent(agents, token) : undefined;
  if (!found) {
    reply.header('www-authenticate', 'Bearer realm="helpdesk-agents"');
    throw new HdErrors.UNAUTHORIZED(token ? 'the agent token is not valid (wrong or revoked)' : 'send Authorization: Bearer <agent token>');
  }
  return { id: found.name, name: found.name, via: 'console' };
}

/**
 * The agent API under /api/agent (bearer tokens from AGENT_TOKENS), documented with OpenAPI at /docs,
 * and the live event stream the console listens to.
 */
export async function agentApi(
  app: FastifyInstance,
  opts: { agents: readonly AgentCredential[]; staffAgents: readonly string[]; contentDir: string },
): Promise<void> {
  const { agents } = opts;
  const staffContent = loadStaffContent(opts.contentDir);
  /** One person is one agent: console token names and the names STAFF_TEAMS_AGENTS maps Teams users to. */
  const roster = (): Array<{ id: string; name: string }> => {
    const names = new Set([...agents.map((a) => a.name), ...opts.staffAgents]);
    return [...names].sort((a, b) => a.localeCompare(b)).map((name) => ({ id: name, name }));
  };
  if (agents.length === 0) app.log.warn('AGENT_TOKENS is empty: nobody can sign in to the agent console (npm run agent:token -- <name>)');

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Helpdesk agent API',
        version: '1.0.0',
        description:
          'For IT staff: the queue of tickets the bot handed over, each with the error and the checks already done; take a ticket, ' +
          'chat with the employee, resolve it or hand it back to the bot. Every call needs `Authorization: Bearer <agent token>`.',
      },
      components: { securitySchemes: { agentToken: { type: 'http', scheme: 'bearer', description: 'A token made with npm run agent:token' } } },
      security,
    },
  });
  // The API reference page: swagger-ui's own policy (hashes of its inline scripts), and never framed.
  // (An intranet may serve it over plain HTTP: no upgrade-insecure-requests, which would break it there.)
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, '').replace(/frame-ancestors 'self'/, "frame-ancestors 'none'"),
  });
  app.addSchema(Ticket);

  // Schema violations in this API are plain bad requests (the app-wide handler would call them bad activities).
  app.setErrorHandler((error: FastifyError, _request, _reply) => {
    if (error.validation) throw new HdErrors.BAD_REQUEST(error.message);
    throw error;
  });

  await app.register(async (api) => {
    // Path and query parameters arrive as text and are converted to their types; a body is JSON and must already have
    // them: {"text": 123} is refused, not turned into the message "123".
    const params = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: false });
    const bodies = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: true, allErrors: false });
    api.setValidatorCompiler(lazyValidator(({ schema, httpPart }: Parameters<FastifySchemaCompiler<FastifySchema>>[0]) => (httpPart === 'body' ? bodies : params).compile(schema)));

    const signedIn = new WeakMap<FastifyRequest, Agent>();
    api.addHook('onRequest', async (request, reply) => {
      signedIn.set(request, authenticateAgent(agents, request, reply));
    });
    // A ticket id is written in digits: " 1", "1e3" or "0x1" would otherwise be converted to a number and accepted.
    api.addHook('preValidation', async (request) => {
      const id: unknown = typeof request.params === 'object' && request.params !== null ? Reflect.get(request.params, 'id') : undefined;
      if (id !== undefined && (typeof id !== 'string' || !/^[1-9]\d{0,8}$/.test(id))) {
        throw new HdErrors.BAD_REQUEST('the ticket id must be a number such as 42');
      }
    });
    const agentOf = (request: FastifyRequest): Agent => {
      const agent = signedIn.get(request);
      if (!agent) throw new HdErrors.UNAUTHORIZED('not signed in');
      return agent;
    };

    api.get<{ Querystring: Static<typeof ListQuery> }>(
      '/api/agent/tickets',
      {
        schema: {
          summary: 'The queue and recent tickets',
          description:
            'Queued tickets first (longest waiting first), then assigned ones, then closed ones, newest first. ' +
            'With `q`, only the tickets whose number, user or error matches.',
          tags: ['tickets'],
          querystring: ListQuery,
          response: { 200: Type.Object({ tickets: Type.Array(Summary) }), 401: errors[401] },
        },
      },
      async (request) => ({ tickets: await app.handoff.list(request.query.status, request.query.q) }),
    );

    api.get<{ Params: Static<typeof IdParams> }>(
      '/api/agent/tickets/:id',
      {
        schema: {
          summary: 'One ticket: the error, the check outcomes, the transcript and the history',
          tags: ['tickets'],
          params: IdParams,
          response: { 200: View, 401: errors[401], 404: errors[404] },
        },
      },
      async (request) => {
        const view = await app.handoff.get(request.params.id);
        if (!view) throw new HdErrors.NOT_FOUND(`ticket ${request.params.id} does not exist`);
        return view;
      },
    );

    const conflict = { ...ErrorBody, description: 'The ticket is not in a state that allows this (taken by someone else, closed, …)' };
    api.post<{ Params: Static<typeof IdParams> }>(
      '/api/agent/tickets/:id/claim',
      {
        schema: {
          summary: 'Take a queued ticket; the employee is told who joined',
          tags: ['tickets'],
          params: IdParams,
          response: { 200: Type.Object({ ticket: Type.Ref('Ticket') }), 401: errors[401], 404: errors[404], 409: conflict },
        },
      },
      async (request) => ({ ticket: await app.handoff.claim(request.params.id, agentOf(request)) }),
    );

    api.post<{ Params: Static<typeof IdParams>; Body: Static<typeof MessageBody> }>(
      '/api/agent/tickets/:id/messages',
      {
        schema: {
          summary: 'Write to the employee (only the agent who took the ticket)',
          tags: ['tickets'],
          params: IdParams,
          body: MessageBody,
          response: { 202: Type.Object({ accepted: Type.Boolean() }), 401: errors[401], 404: errors[404], 409: conflict },
        },
      },
      async (request, reply) => {
        await app.handoff.postAgentMessage(request.params.id, agentOf(request), request.body.text);
        return reply.code(202).send({ accepted: true });
      },
    );

    api.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ResolveBody> | undefined }>(
      '/api/agent/tickets/:id/resolve',
      {
        schema: {
          summary: 'Resolve the ticket; the bot asks the employee whether it is solved and for a 1–5 rating',
          tags: ['tickets'],
          params: IdParams,
          body: Type.Optional(ResolveBody),
          response: { 200: Type.Object({ ticket: Type.Ref('Ticket') }), 401: errors[401], 404: errors[404], 409: conflict },
        },
      },
      async (request) => ({ ticket: await app.handoff.resolve(request.params.id, agentOf(request), request.body?.note) }),
    );

    api.post<{ Params: Static<typeof IdParams> }>(
      '/api/agent/tickets/:id/release',
      {
        schema: {
          summary: 'Hand the ticket back: it returns to the queue and the bot looks after the employee again',
          tags: ['tickets'],
          params: IdParams,
          response: { 200: Type.Object({ ticket: Type.Ref('Ticket') }), 401: errors[401], 404: errors[404], 409: conflict },
        },
      },
      async (request) => ({ ticket: await app.handoff.release(request.params.id, agentOf(request)) }),
    );

    api.post<{ Params: Static<typeof IdParams>; Body: Static<typeof NoteBody> }>(
      '/api/agent/tickets/:id/notes',
      {
        schema: {
          summary: 'Add an internal note: IT staff see it in the history; the employee never does',
          tags: ['tickets'],
          params: IdParams,
          body: NoteBody,
          response: { 201: Type.Object({ event: Event }), 401: errors[401], 404: errors[404] },
        },
      },
      async (request, reply) => reply.code(201).send({ event: await app.handoff.addNote(request.params.id, agentOf(request), request.body.text) }),
    );

    api.post<{ Params: Static<typeof IdParams>; Body: Static<typeof TransferBody> }>(
      '/api/agent/tickets/:id/transfer',
      {
        schema: {
          summary: 'Hand your ticket to another agent (or assign a queued one); the employee is told who joined',
          tags: ['tickets'],
          params: IdParams,
          body: TransferBody,
          response: { 200: Type.Object({ ticket: Type.Ref('Ticket') }), 400: { ...ErrorBody, description: 'No such agent, or yourself' }, 401: errors[401], 404: errors[404], 409: conflict },
        },
      },
      async (request) => {
        const to = roster().find((a) => a.id === request.body.to);
        if (!to) throw new HdErrors.BAD_REQUEST(`there is no agent "${request.body.to}"`);
        return { ticket: await app.handoff.transfer(request.params.id, agentOf(request), { ...to, via: 'console' }) };
      },
    );

    api.post<{ Params: Static<typeof IdParams> }>(
      '/api/agent/tickets/:id/reopen',
      {
        schema: {
          summary: 'Reopen a resolved or cancelled ticket; it is assigned to you',
          tags: ['tickets'],
          params: IdParams,
          response: { 200: Type.Object({ ticket: Type.Ref('Ticket') }), 401: errors[401], 404: errors[404], 409: conflict },
        },
      },
      async (request) => ({ ticket: await app.handoff.reopen(request.params.id, agentOf(request)) }),
    );

    api.get(
      '/api/agent/agents',
      {
        schema: {
          summary: 'Every IT staff member who can take tickets (console tokens and Teams staff), for transfers',
          tags: ['agent'],
          response: { 200: Type.Object({ agents: Type.Array(AgentRef) }), 401: errors[401] },
        },
      },
      async () => ({ agents: roster() }),
    );

    api.get(
      '/api/agent/canned-replies',
      {
        schema: {
          summary: 'Canned replies (content/canned-replies.yaml), both languages, with {user} {ticket} {agent} {error} placeholders',
          tags: ['agent'],
          response: { 200: Type.Object({ replies: Type.Array(CannedReplyBody) }), 401: errors[401] },
        },
      },
      async () => ({ replies: staffContent.cannedReplies }),
    );

    api.get(
      '/api/agent/whoami',
      {
        schema: {
          summary: 'The signed-in agent',
          tags: ['agent'],
          response: { 200: Type.Object({ id: Type.String(), name: Type.String() }), 401: errors[401] },
        },
      },
      async (request) => {
        const agent = agentOf(request);
        return { id: agent.id, name: agent.name };
      },
    );

    const streams = new Set<FastifyReply>();
    app.addHook('preClose', async () => {
      for (const reply of streams) reply.raw.end();
      streams.clear();
    });
    api.get(
      '/api/agent/stream',
      {
        schema: {
          summary: 'Live ticket events (Server-Sent Events): every change of every ticket, as it happens',
          description: 'Each event is `event: ticket` with `data: {"event": TicketEvent, "ticket": TicketSummary}`. Read it with fetch() to send the Authorization header.',
          tags: ['agent'],
          produces: ['text/event-stream'],
        },
      },
      async (request, reply) => {
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        raw.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ agent: agentOf(request).name })}\n\n`);
        streams.add(reply);
        const send = (event: TicketEvent, ticket: TicketRow) => {
          raw.write(`event: ticket\ndata: ${JSON.stringify({ event, ticket: summarise(ticket, Date.now(), app.conversation.content.runbooks) })}\n\n`);
        };
        const unsubscribe = app.handoff.onEvent(send, { everyInstance: true });
        const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 20_000);
        request.raw.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
          streams.delete(reply);
        });
      },
    );
  });
}
