import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Adds helmet's document-only headers; the routes that serve HTML (Swagger UI) run it. */
    documentSecurityHeaders: onRequestHookHandler;
  }
}

// helmet itself, the copy @fastify/helmet depends on: that plugin builds helmet's middleware anew on every
// request (parsing the CSP directives each time), a tenth of the CPU a /health request costs. The headers are
// the same for every response, so helmet computes them once here and each response gets that set.
type Helmet = (options: object) => (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))('helmet') as Helmet;

/**
 * helmet's headers that only a browser rendering a document acts on: who may open it as a window (COOP), its
 * agent cluster, the referrer its links and subresources send, DNS prefetching of its links, IE8's "open" of a
 * downloaded page, and the retired XSS auditor. A JSON response is never rendered, so on it they do nothing,
 * while each would still be set, validated, written and parsed again by the client on every response. HTML
 * responses (Swagger UI) get them.
 */
export const DOCUMENT_ONLY_HEADERS = [
  'cross-origin-opener-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-xss-protection',
];

function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  helmet({
    // The API answers JSON, which loads nothing and is never framed: the strictest policy, and a short one
    // (helmet's default is written for HTML pages and is five times as long, on every response). Swagger UI
    // at /docs sets its own policy on its responses (see the swagger plugin).
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    strictTransportSecurity: false,
  })({} as IncomingMessage, response, () => {});
  return headers;
}

export interface HelmetPluginOptions {
  /** Strict-Transport-Security max-age; null sends no HSTS. */
  hstsMaxAgeSeconds: number | null;
}

/**
 * Security headers on every response: helmet's set, with a CSP for JSON, and the document-only part of it on the
 * HTML pages. No upgrade to HTTPS is asked for: the load balancer serves plain HTTP unless TLS is added in front,
 * and an upgrade would break /docs there. HSTS is sent only when configured (HSTS_MAX_AGE, set by the deployment
 * where the public endpoint is HTTPS): TLS ends at the load balancer, so neither the connection nor
 * X-Forwarded-Proto tells the service, and a policy cached over plain HTTP would lock browsers out.
 */
export default fp<HelmetPluginOptions>(
  async (app, { hstsMaxAgeSeconds }) => {
    const every: Record<string, string> = {};
    const documents: Record<string, string> = {};
    for (const [name, value] of Object.entries(helmetHeaders())) {
      (DOCUMENT_ONLY_HEADERS.includes(name) ? documents : every)[name] = value;
    }
    if (hstsMaxAgeSeconds !== null) every['strict-transport-security'] = `max-age=${hstsMaxAgeSeconds}`;
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(every);
      done();
    });
    app.decorate('documentSecurityHeaders', ((_request, reply, done) => {
      reply.headers(documents);
      done();
    }) satisfies onRequestHookHandler);
  },
  { name: 'helmet' },
);
