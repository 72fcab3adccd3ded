/**
 * A real MongoDB server for `pnpm dev` and the tests, found in this order:
 *   1. MONGO_URI / MONGODB_URI, when set;
 *   2. mongodb-memory-server: a real mongod, downloaded once and cached (MONGOMS_SYSTEM_BINARY picks a local one);
 *   3. FerretDB (MongoDB wire protocol on SQLite): a `ferretdb` binary from FERRETDB_BIN, PATH or the Go bin
 *      directory, started on a free loopback port with its data in a temporary directory;
 *   4. otherwise an error that names these options.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export type MongoSource = 'MONGO_URI' | 'mongodb-memory-server' | 'ferretdb';

export interface MongoServer {
  /** Connection string without a database name; see databaseUri(). */
  uri: string;
  source: MongoSource;
  stop(): Promise<void>;
}

export const NO_MONGODB_MESSAGE = [
  'No MongoDB server is available. Give one of:',
  '  - MONGO_URI=mongodb://host:27017/crm_db (any running MongoDB);',
  '  - mongodb-memory-server: needs to download mongod once (internet), or MONGOMS_SYSTEM_BINARY=/path/to/mongod;',
  '  - FerretDB: `pnpm db:ferretdb` builds it with Go (or set FERRETDB_BIN to a ferretdb binary).',
].join('\n');

/** The same server, with `name` as the database (the service uses the database named in the URI). */
export function databaseUri(serverUri: string, name: string): string {
  const url = new URL(serverUri);
  url.pathname = `/${name}`;
  return url.toString();
}

function fromEnvironment(): MongoServer | undefined {
  const uri = process.env.MONGO_URI?.trim() || process.env.MONGODB_URI?.trim();
  return uri ? { uri, source: 'MONGO_URI', stop: async () => {} } : undefined;
}

/**
 * The library reports a failed start on the console with its whole stack (about 20 lines) before it throws;
 * offline that is every run. Its console output is held back while it starts, and a failure becomes one line.
 */
export async function quietly<T>(start: () => Promise<T>): Promise<T> {
  const { warn, error } = console;
  console.warn = () => {};
  console.error = () => {};
  try {
    return await start();
  } catch (failure) {
    const reason = failure instanceof Error ? failure.message.replace(/\s+/g, ' ').trim() : String(failure);
    throw new Error(`could not start mongod (${reason.slice(0, 200)})`);
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

async function fromMemoryServer(): Promise<MongoServer> {
  // Without a cached mongod the download fails fast here instead of retrying three times.
  process.env.MONGOMS_MAX_RETRIES ??= '1';
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const server = await quietly(() => MongoMemoryServer.create({ instance: { ip: '127.0.0.1' } }));
  return {
    uri: server.getUri(),
    source: 'mongodb-memory-server',
    stop: async () => {
      await server.stop();
    },
  };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findFerretDb(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.FERRETDB_BIN) return isExecutable(env.FERRETDB_BIN) ? env.FERRETDB_BIN : undefined;
  const goBin = env.GOBIN || join(env.GOPATH?.split(delimiter)[0] || join(homedir(), 'go'), 'bin');
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), goBin];
  return dirs.map((dir) => join(dir, 'ferretdb')).find(isExecutable);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ferretdb exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.end() && true));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`ferretdb did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

export interface FerretDbOptions {
  /** Loopback port; a free one when omitted. */
  port?: number;
  /** SQLite directory; a temporary one, removed on stop, when omitted. */
  dataDir?: string;
}

/** Starts a FerretDB process on loopback. Also used directly by tests that stop and restart the database. */
export async function startFerretDb(
  options: FerretDbOptions = {},
): Promise<MongoServer & { port: number; kill(): Promise<void> }> {
  const binary = findFerretDb();
  if (!binary) throw new Error('no ferretdb binary (FERRETDB_BIN, PATH or the Go bin directory)');
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'crm-ferretdb-')));
  const port = options.port ?? (await freePort());
  const child = spawn(binary, [`--listen-addr=127.0.0.1:${port}`, `--sqlite-url=file:${dataDir}/`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, 10_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    source: 'ferretdb',
    port,
    stop: () => stop(),
    // A crash, as opposed to a shutdown: connections drop without the server answering what is in flight.
    kill: () => stop('SIGKILL'),
  };
}

export async function startMongo(log: (line: string) => void = () => {}): Promise<MongoServer> {
  const external = fromEnvironment();
  if (external) return external;
  const reasons: string[] = [];
  for (const [name, start] of [
    ['mongodb-memory-server', fromMemoryServer],
    ['ferretdb', () => startFerretDb()],
  ] as const) {
    try {
      const server = await start();
      log(`MongoDB for this run: ${name} at ${server.uri}`);
      return server;
    } catch (error) {
      const reason = `${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      reasons.push(reason);
      log(`MongoDB: ${reason}; trying the next option`);
    }
  }
  throw new Error(`${NO_MONGODB_MESSAGE}\nTried:\n  ${reasons.join('\n  ')}`);
}
