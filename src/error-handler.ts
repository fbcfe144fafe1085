import { STATUS_CODES } from 'node:http';
import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import { HdErrors } from './errors.js';
import { isDatabaseUnavailable } from './storage/database.js';

const FASTIFY_CODES: Record<string, () => Error> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => new HdErrors.BAD_JSON(),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new HdErrors.BAD_JSON(),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new HdErrors.UNSUPPORTED_MEDIA(),
};

/** The reason phrase of a status ("Conflict", "Too Many Requests"), as every error body's `error` field. */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** The app-wide error handler: coded JSON bodies (HD_ERR_…), 5xx details hidden and logged, a coded 404. */
export default fp<{ bodyLimit: number }>(
  async (app, opts) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      let err: FastifyError = error;
      const mapped = FASTIFY_CODES[error.code];
      if (mapped) err = mapped() as FastifyError;
      else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') err = new HdErrors.BODY_TOO_LARGE(opts.bodyLimit) as FastifyError;
      else if (error.validation) err = new HdErrors.BAD_ACTIVITY(error.message) as FastifyError;
      const status = err.statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        const body = status === 503 && err.code?.startsWith('HD_ERR_')
          ? { statusCode: 503, code: err.code, error: reasonPhrase(503), message: err.message }
          : isDatabaseUnavailable(error)
            ? { statusCode: 503, code: 'HD_ERR_STORAGE_UNAVAILABLE', error: reasonPhrase(503), message: 'The database cannot be reached right now; retry shortly' }
            : { statusCode: 500, code: 'HD_ERR_INTERNAL', error: reasonPhrase(500), message: 'Internal server error' };
        if (body.statusCode === 503) reply.header('retry-after', '5');
        return reply.code(body.statusCode).send(body);
      }
      if (status === 429 && !err.code?.startsWith('HD_ERR_')) err = new HdErrors.RATE_LIMITED() as FastifyError;
      request.log.info({ code: err.code, status }, err.message);
      return reply.code(status).send({
        statusCode: status,
        code: err.code?.startsWith('HD_ERR_') ? err.code : 'HD_ERR_BAD_REQUEST',
        error: reasonPhrase(status),
        message: err.message,
      });
    });
    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({ statusCode: 404, code: 'HD_ERR_NOT_FOUND', error: reasonPhrase(404), message: `${request.method} ${request.url} does not exist` });
    });
  },
  { name: 'error-handler' },
);
