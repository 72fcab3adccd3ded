/**
 * `pnpm dev`: the API with reload on change, on an embedded MongoDB (see mongo.ts for how one is found).
 * The database lives as long as this command, across reloads of the server.
 */
import { spawn } from 'node:child_process';
import { databaseUri, startMongo } from './mongo.js';

const mongo = await startMongo((line) => console.log(line));
const uri = mongo.source === 'MONGO_URI' ? mongo.uri : databaseUri(mongo.uri, 'crm_db');

const server = spawn('tsx', ['watch', '--clear-screen=false', 'src/server.ts'], {
  stdio: 'inherit',
  // Loopback unless HOST says otherwise: a development server with auth off should not face the network.
  env: { HOST: '127.0.0.1', ...process.env, MONGO_URI: uri },
});

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  await mongo.stop();
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(0));
server.on('exit', (code) => void shutdown(code ?? 0));
