/**
 * Starts the live cluster once for the live project and stops it afterwards. The cluster's own watchdog (the
 * owner PID given to `start`) stops it too if this process dies without running the teardown (Ctrl-C, a kill).
 *
 * Without the live tools, or without the right to create network namespaces, the project is skipped outside CI
 * with a message naming the switch that skipped the build, and fails under CI=true, where it must run.
 * LIVE_CLUSTER_DIR=<state dir> runs the tests against a cluster already started with scripts/live-cluster.sh.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { INSTALL_LIVE_TOOLS_SCRIPT, LIVE_CLUSTER_SCRIPT, run, SKIP_SWITCH } from './cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running cluster's state directory (for scripts/live-cluster.sh exec), or '' when skipped. */
    liveClusterDir: string;
    /** Why the live tests are skipped, or '' when they run. */
    liveSkipReason: string;
  }
}

async function unavailable(): Promise<string | undefined> {
  const tools = await run('bash', [INSTALL_LIVE_TOOLS_SCRIPT, '--check']);
  if (tools.code !== 0) {
    return (
      'the live tools are not built: run `bash scripts/install-live-tools.sh` (about 20 minutes the first time; ' +
      `scripts/setup.sh builds them unless ${SKIP_SWITCH} is set)`
    );
  }
  if (process.getuid?.() !== 0 && (await run('sudo', ['-n', 'true'])).code !== 0) {
    return 'the live cluster needs root or passwordless sudo to create its network namespace';
  }
  return undefined;
}

export default async function setup(project: TestProject) {
  // A cluster started by hand (`scripts/live-cluster.sh start DIR`) for quick iterations on the tests: used as
  // it is, and left running.
  const existing = process.env.LIVE_CLUSTER_DIR;
  if (existing) {
    project.provide('liveClusterDir', existing);
    project.provide('liveSkipReason', '');
    return;
  }
  const reason = await unavailable();
  if (reason) {
    if (process.env.CI === 'true') throw new Error(`live tests cannot run under CI=true: ${reason}`);
    console.warn(`live tests skipped: ${reason}`);
    project.provide('liveClusterDir', '');
    project.provide('liveSkipReason', reason);
    return;
  }

  // A new directory (the script creates it): stopping the cluster removes it with everything the tests put there.
  const dir = join(tmpdir(), `cloudops-live-${randomBytes(6).toString('hex')}`);
  const started = await run('bash', [LIVE_CLUSTER_SCRIPT, 'start', dir, String(process.pid)]);
  if (started.code !== 0) {
    throw new Error(`the live cluster did not start:\n${started.stdout}${started.stderr}`);
  }
  project.provide('liveClusterDir', dir);
  project.provide('liveSkipReason', '');

  return async () => {
    const stopped = await run('bash', [LIVE_CLUSTER_SCRIPT, 'stop', dir]);
    if (stopped.code !== 0) throw new Error(`the live cluster did not stop cleanly: ${stopped.stderr}`);
  };
}
