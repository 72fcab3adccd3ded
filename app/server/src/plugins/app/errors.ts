import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  MongoCompatibilityError,
  MongoError,
  MongoInvalidArgumentError,
  MongoMissingDependencyError,
  MongoParseError,
  MongoServerError,
} from 'mongodb';
import { HttpProblem, problemBody } from '../../lib/problem.js';
import { MAX_PATH_SEGMENT_LENGTH } from '../../schemas/person.js';

export const DB_UNAVAILABLE =
  'Database unavailable: MongoDB is unreachable or did not answer in time, try again shortly';

// Server errors that say "not now" rather than "wrong request": shutting down, stepping down, not primary.
const UNAVAILABLE_SERVER_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

// Node's socket errors; the only sockets a request handler uses are the driver's.
const SOCKET_ERROR_CODES = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
  'EAI_AGAIN',
]);

/**
 * Whether a failure is the database's or the network's, not the request's: every error the driver raises about
 * reaching or hearing from the server (network, timeouts, selection, a closed pool or client), server errors
 * that mean unavailable, and a socket error the driver lets through unwrapped (EPIPE, ECONNRESET).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof MongoServerError) {
    return (
      UNAVAILABLE_SERVER_CODES.has(Number(error.code)) ||
      error.hasErrorLabel('RetryableWriteError') ||
      error.hasErrorLabel('ResetPool')
    );
  }
  if (error instanceof MongoError) {
    // Programming errors (a bad argument, an invalid option) stay 500s so they are seen and fixed.
    return !(
      error instanceof MongoInvalidArgumentError ||
      error instanceof MongoParseError ||
      error instanceof MongoCompatibilityError ||
      error instanceof MongoMissingDependencyError
    );
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && SOCKET_ERROR_CODES.has(code);
}

/** Turns Fastify's own client errors (validation, parsing, size) into a message that names the problem. */
function clientErrorMessage(error: FastifyError, bodyLimitBytes: number): string {
  if (error.validation) {
    const [first] = error.validation;
    const where = error.validationContext ?? 'request';
    const path = first?.instancePath ? first.instancePath.replace(/^\//, '').replaceAll('/', '.') : '';
    if (first?.keyword === 'additionalProperties') {
      return `${where} has unknown field '${String(first.params.additionalProperty)}'`;
    }
    return `${where}${path ? `.${path}` : ''} ${first?.message ?? 'is invalid'}`;
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `Request body is larger than the ${bodyLimitBytes}-byte limit`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `Unsupported Content-Type: send application/json`;
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'Request body is not valid JSON';
    default:
      return error.message;
  }
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, status: number, detail: string) {
  const path = request.originalUrl.split('?')[0] ?? '/';
  // An over-long path is named, not repeated: the instance is cut to what identifies it.
  const instance = path.length > MAX_INSTANCE_LENGTH ? `${path.slice(0, MAX_INSTANCE_LENGTH)}…` : path;
  return reply
    .code(status)
    .type('application/problem+json')
    .send(problemBody(status, detail, instance, request.id));
}

const MAX_INSTANCE_LENGTH = 200;

// Requests the router would refuse before matching a route, keyed by the raw request (see rejectBeforeRouting).
const rejected = new WeakMap<object, { status: number; detail: string }>();

/** The internal route that answers them; hidden, and a 404 for anyone who asks for it by name. */
export const REJECTED_ROUTE = '/__rejected';

/**
 * Fastify's rewriteUrl: a URL the router would refuse (malformed percent-encoding: 400; a path segment over the
 * limit: 414) is sent to REJECTED_ROUTE instead, so its answer runs the same hooks as every response — access
 * log, metric, correlation id, security headers — which Fastify's frameworkErrors path skips.
 */
export function rejectBeforeRouting(raw: { url?: string }): string {
  const url = raw.url ?? '/';
  // Nearly every URL: nothing to decode and no segment that could be too long.
  if (url.length <= MAX_PATH_SEGMENT_LENGTH && !url.includes('%')) return url;
  const path = url.split('?')[0] ?? '/';
  let problem: { status: number; detail: string } | undefined;
  if (
    path.length > MAX_PATH_SEGMENT_LENGTH &&
    path.split('/').some((s) => s.length > MAX_PATH_SEGMENT_LENGTH)
  ) {
    problem = {
      status: 414,
      detail: `A path segment is longer than the ${MAX_PATH_SEGMENT_LENGTH}-character limit`,
    };
  } else if (path.includes('%')) {
    try {
      decodeURIComponent(path);
    } catch {
      problem = { status: 400, detail: 'Malformed URL: the path is not valid percent-encoding' };
    }
  }
  if (!problem) return url;
  rejected.set(raw, problem);
  return REJECTED_ROUTE;
}

/** Fastify's frameworkErrors, for what rejectBeforeRouting did not foresee: the same problem body. */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  sendProblem(request, reply, error.statusCode ?? 400, `Malformed request: ${error.message}`);
}

/**
 * One error shape for every failure. 4xx answers say what was wrong; 5xx answers say nothing about internals
 * and are logged with their stack.
 */
export interface ErrorsPluginOptions {
  bodyLimitBytes: number;
}

export default fp<ErrorsPluginOptions>(
  async (app, { bodyLimitBytes }) => {
    app.setErrorHandler(async (error: FastifyError | HttpProblem, request, reply) => {
      if (error instanceof HttpProblem) {
        reply.headers(error.headers);
        return sendProblem(request, reply, error.statusCode, error.message);
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'MongoDB unreachable');
        return sendProblem(request, reply, 503, DB_UNAVAILABLE);
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return sendProblem(request, reply, status, clientErrorMessage(error, bodyLimitBytes));
      }
      request.log.error({ err: error }, 'request failed');
      return sendProblem(request, reply, 500, 'Internal server error');
    });

    // Every route's path as a pattern with its methods, so that a path that exists answers an unsupported
    // method (PATCH, OPTIONS: no CORS is configured) with 405 and the Allow header instead of 404.
    const routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];
    app.addHook('onRoute', (route) => {
      if (route.url === REJECTED_ROUTE) return;
      const source = route.url
        .split('/')
        .map((part) =>
          part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/');
      const methods = [route.method].flat();
      const known = routes.find((r) => r.pattern.source === `^${source}$`);
      if (known) for (const method of methods) known.methods.add(method);
      else routes.push({ pattern: new RegExp(`^${source}$`), methods: new Set(methods) });
    });

    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url: REJECTED_ROUTE,
      schema: { hide: true },
      // Measured with the other responses no route matched, rather than as a route of its own.
      config: { statsId: '__unmatched__', rateLimit: false },
      handler: async (request, reply) => {
        const problem = rejected.get(request.raw);
        if (!problem) return reply.callNotFound();
        return sendProblem(request, reply, problem.status, problem.detail);
      },
    });

    app.setNotFoundHandler(async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const allowed = new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]));
      if (allowed.size > 0) {
        if (allowed.has('GET')) allowed.add('HEAD');
        const allow = [...allowed].sort().join(', ');
        reply.header('allow', allow);
        return sendProblem(
          request,
          reply,
          405,
          `Method ${request.method} is not allowed on ${path}; allowed: ${allow}`,
        );
      }
      return sendProblem(request, reply, 404, `Route ${request.method} ${path} not found`);
    });
  },
  { name: 'errors' },
);
