import fp from 'fastify-plugin';

/**
 * HTTP keep-alive during a graceful close. Node's server.close() ends the connections that are idle at that moment,
 * and Fastify answers requests that arrive afterwards with 503 and `Connection: close`. A connection whose request was
 * still being handled when the close began is neither: it falls idle once its answer is out and stays open for the
 * keep-alive timeout (72 s), and server.close() waits for it. Browsers and load balancers keep such connections
 * without sending on them (the balancer has already taken the instance out of rotation), so the close never ends, the
 * shutdown guard in server.ts exits 1 and whatever was still running is cut. From the moment the close begins, every
 * answer carries `Connection: close`, so each connection ends with the answer it was waiting for.
 */
export default fp(
  async (app) => {
    let closing = false;
    // Registered before every other plugin, so this preClose hook runs first, before any drain waits.
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      if (closing) reply.header('connection', 'close');
      return payload;
    });
  },
  { name: 'graceful-close' },
);
