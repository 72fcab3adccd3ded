import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback between the server and its database, to make the database slow or silent without
 * touching it: `slowQueries` holds back the replies to reads and writes while heartbeats still pass (a database
 * that is up but overloaded), `stall` forwards nothing (reachable, but silent) until `resume`, `cut` drops every
 * connection as a crash would. `peakConnections` tells how many connections were open at once at most since
 * `resetPeak`.
 */
export interface TcpProxy {
  port: number;
  slowQueries(ms: number): void;
  stall(): void;
  resume(): void;
  cut(): void;
  peakConnections(): number;
  resetPeak(): void;
  close(): Promise<void>;
}

// A command's name is its document's first key: a BSON string element (type 0x02) holding the collection name.
const QUERY_COMMANDS = ['find', 'insert', 'update', 'delete', 'aggregate', 'count'].map((name) =>
  Buffer.from(`\x02${name}\x00`, 'latin1'),
);

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let slowMs = 0;
  let stalled = false;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let peak = 0;

  // The driver sends one command at a time per connection, so a reply belongs to the connection's last request.
  const forward = (
    from: Socket,
    to: Socket,
    slowReply: () => boolean,
    onRequest?: (chunk: Buffer) => void,
  ) => {
    from.on('data', (chunk: Buffer) => {
      onRequest?.(chunk);
      const send = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (stalled) held.push(send);
      else if (slowReply()) setTimeout(send, slowMs);
      else send();
    });
    from.on('error', () => to.destroy());
    from.on('close', () => to.destroy());
  };

  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    peak = Math.max(peak, ++open);
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => {
      sockets.delete(client);
      open--;
    });
    upstream.on('close', () => sockets.delete(upstream));
    let lastWasQuery = false;
    forward(
      client,
      upstream,
      () => false,
      (chunk) => {
        lastWasQuery = QUERY_COMMANDS.some((command) => chunk.includes(command));
      },
    );
    forward(upstream, client, () => slowMs > 0 && lastWasQuery);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no port');

  return {
    port: address.port,
    slowQueries: (ms) => {
      slowMs = ms;
    },
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
      for (const send of held.splice(0)) send();
    },
    peakConnections: () => peak,
    resetPeak: () => {
      peak = open;
    },
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
