import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { inject } from 'vitest';
import { freePort } from '../dev/mongo.js';

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Parsed JSON log lines written so far. */
  logs: Array<Record<string, unknown>>;
  stderr: string[];
  exit: Promise<number | null>;
  stop(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not answer /health within ${timeoutMs} ms`);
}

/** Starts the production bundle exactly as the image does (`node dist/server.js`), on a free port. */
export async function startBundle(env: Record<string, string>): Promise<RunningServer> {
  const bundleDir = inject('bundleDir');
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: bundleDir,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line) logs.push(JSON.parse(line));
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr.join('')}`);
  }
  return {
    url,
    child,
    logs,
    stderr,
    exit,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exit;
    },
  };
}

export const bundlePath = (...parts: string[]) => join(inject('bundleDir'), ...parts);
