import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';

// Probes and scrapes arrive every few seconds from every kubelet and Prometheus; they log at debug level.
const QUIET_ROUTES = new Set(['/health', '/ready', '/metrics']);

/**
 * Fastify's request logging, replaced by exactly one ECS access line per request (Fastify's default writes an
 * "incoming request" and a "request completed" line, plus another for unknown routes).
 */
export class AccessLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'http.request.id' });
  }

  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(
    _error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    // A URL refused before routing was rewritten to the route that answers it; the log shows what was asked.
    const route = request.url === request.originalUrl ? request.routeOptions.url : undefined;
    const level = route && QUIET_ROUTES.has(route) && reply.statusCode < 400 ? 'debug' : 'info';
    // Nothing to build for a line that is not written (probes, unless LOG_LEVEL=debug).
    if (!(reply.log as Logger).isLevelEnabled(level)) return;
    const path = request.originalUrl.split('?')[0];
    reply.log[level](
      {
        'http.request.method': request.method,
        'url.path': path,
        'http.route': route,
        'http.response.status_code': reply.statusCode,
        'event.duration': Math.round(reply.elapsedTime * 1e6), // ECS durations are nanoseconds
        'client.ip': request.ip,
        'user_agent.original': request.headers['user-agent'],
      },
      `${request.method} ${route ?? path} ${reply.statusCode}`,
    );
  }
}
