import createError from '@fastify/error';

/**
 * The one registry of coded errors. Every HTTP error body is `{ statusCode, code, error, message }`
 * with one of these codes; 5xx bodies never carry internal details.
 */
export const HdErrors = {
  BAD_JSON: createError('HD_ERR_BAD_JSON', 'The request body is not valid JSON', 400),
  BAD_JSON_DEPTH: createError('HD_ERR_BAD_JSON_DEPTH', 'The request body nests deeper than %s levels', 400),
  BAD_ENCODING: createError('HD_ERR_BAD_ENCODING', 'The request body is not valid UTF-8', 400),
  BAD_ACTIVITY: createError('HD_ERR_BAD_ACTIVITY', 'Invalid activity: %s', 400),
  BAD_URL: createError('HD_ERR_BAD_URL', 'Invalid URL: %s', 400),
  BAD_REQUEST: createError('HD_ERR_BAD_REQUEST', 'Invalid request: %s', 400),
  BODY_TOO_LARGE: createError('HD_ERR_BODY_TOO_LARGE', 'The request body is larger than %s bytes', 413),
  UNSUPPORTED_MEDIA: createError('HD_ERR_UNSUPPORTED_MEDIA', 'Send the activity as application/json', 415),
  UNAUTHORIZED: createError('HD_ERR_UNAUTHORIZED', 'Authentication failed: %s', 401),
  FORBIDDEN: createError('HD_ERR_FORBIDDEN', '%s', 403),
  NOT_FOUND: createError('HD_ERR_NOT_FOUND', '%s', 404),
  CONFLICT: createError('HD_ERR_CONFLICT', '%s', 409),
  UPGRADE_REQUIRED: createError('HD_ERR_UPGRADE_REQUIRED', '%s', 426),
  UPLOAD_UNSUPPORTED: createError('HD_ERR_UPLOAD_UNSUPPORTED', 'This helpdesk does not accept file uploads. Please type the error message or code instead.', 415),
  HEADERS_TOO_LARGE: createError('HD_ERR_HEADERS_TOO_LARGE', 'The request line or headers are too large', 431),
  REQUEST_TIMEOUT: createError('HD_ERR_REQUEST_TIMEOUT', 'The request took too long to arrive', 408),
  RATE_LIMITED: createError('HD_ERR_RATE_LIMITED', 'Too many requests, retry later', 429),
  AUTH_UNAVAILABLE: createError('HD_ERR_AUTH_UNAVAILABLE', 'The channel authentication service is unavailable: %s', 503),
  NOT_READY: createError('HD_ERR_NOT_READY', 'The service is not ready: %s', 503),
  INTERNAL: createError('HD_ERR_INTERNAL', 'Internal server error', 500),
} as const;
