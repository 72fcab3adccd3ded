import fp from 'fastify-plugin';

/**
 * While the server is closing, responses to requests already in flight carry `Connection: close`, so their
 * keep-alive sockets end with the response instead of holding the shutdown open until the client drops them.
 */
export default fp(
  async (app) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
  },
  { name: 'graceful-close' },
);
