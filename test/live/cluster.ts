/**
 * How the live tests reach the local cluster: every client runs inside the cluster's network namespace
 * (scripts/live-cluster.sh exec), where only loopback exists, so no request of a test can leave the machine.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const LIVE_CLUSTER_SCRIPT = join(REPO_ROOT, 'scripts', 'live-cluster.sh');
export const INSTALL_LIVE_TOOLS_SCRIPT = join(REPO_ROOT, 'scripts', 'install-live-tools.sh');
/** The documented switch that skips building the live tools (scripts/setup.sh). */
export const SKIP_SWITCH = 'CLOUDOPS_SKIP_LIVE_TOOLS=1';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and collects its output; never throws on a non-zero exit. */
export function run(command: string, args: string[], options: { input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A command run in the cluster's network namespace, with KUBECONFIG and the live tools on PATH. */
export function inCluster(stateDir: string, args: string[], options: { input?: string } = {}) {
  return run('bash', [LIVE_CLUSTER_SCRIPT, 'exec', stateDir, ...args], options);
}

export function kubectl(stateDir: string, args: string[], options: { input?: string } = {}) {
  return inCluster(stateDir, ['kubectl', ...args], options);
}

/** kubectl that must succeed; its JSON output parsed. */
export async function kubectlJson<T>(stateDir: string, args: string[]): Promise<T> {
  const result = await kubectl(stateDir, [...args, '-o', 'json']);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** Polls until check returns a value (not undefined), for up to timeoutMs; a busy machine gets its time. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Runs step every intervalMs (after each run ends) until the returned function is called; that function resolves
 * once the step in progress has finished. For the stand-ins that play a controller's part on the cluster.
 */
export function repeatUntilStopped(step: () => Promise<void>, intervalMs: number): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await step();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** Kubernetes CPU quantity in millicores ("1930m", "2", "0.5"). */
export function cpuMillis(quantity: string | undefined): number {
  if (!quantity) return 0;
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

/** Kubernetes memory quantity in MiB, for the binary suffixes the manifests use (Ki, Mi, Gi) and plain bytes. */
export function memoryMi(quantity: string | undefined): number {
  if (!quantity) return 0;
  const units: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024 };
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  const unit = match[2];
  return Number(match[1]) * (unit ? units[unit]! : 1 / (1024 * 1024));
}
