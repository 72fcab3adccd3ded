import { setTimeout as sleep } from 'node:timers/promises';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    graceful: {
      /** True from the start of the drain: /ready answers 503 and every response closes its connection. */
      readonly draining: boolean;
      /**
       * Keeps serving until no request has arrived for QUIET_MS (at most `maxMs`), so clients that send on a
       * keep-alive connection right after SIGTERM get an answer with `Connection: close` instead of a reset.
       * Closing the server afterwards then only closes connections that nobody is using.
       */
      drain(maxMs: number): Promise<void>;
    };
  }
}

/**
 * Long enough for a client that just got a response to send its next request on the same connection, and for a
 * load balancer to stop sending once /ready fails. Counted from the signal at the earliest.
 */
const QUIET_MS = 1000;

export default fp(
  async (app) => {
    let draining = false;
    let inFlight = 0;
    let lastArrival = 0;

    // Callback hooks: they run on every request, and an async hook costs a promise each time.
    app.addHook('onRequest', (_request, _reply, done) => {
      inFlight++;
      lastArrival = Date.now();
      done();
    });
    app.addHook('onResponse', (_request, _reply, done) => {
      inFlight--;
      done();
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (draining) reply.header('connection', 'close');
      done(null, payload);
    });
    // A shutdown that skipped drain() (tests, a second signal) still ends the connections it answers.
    app.addHook('preClose', async () => {
      draining = true;
    });

    app.decorate('graceful', {
      get draining() {
        return draining;
      },
      async drain(maxMs: number) {
        draining = true;
        lastArrival = Math.max(lastArrival, Date.now());
        const deadline = Date.now() + maxMs;
        while (Date.now() < deadline && (inFlight > 0 || Date.now() - lastArrival < QUIET_MS)) {
          await sleep(50);
        }
      },
    });
  },
  { name: 'graceful-close' },
);
