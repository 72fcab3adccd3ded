import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = path.resolve(__dirname, '..', '..', 'scripts', 'deployment-run.sh');
const STACK = 'acme/cloudops-crm-cluster/dev';
const COMMIT = '3f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e';

/**
 * Pulumi Cloud cannot be reached from the tests, so a stand-in `pulumi` answers the two commands the script
 * uses: it records every call, and answers `stack history --json` with the next of the given histories (the last
 * one repeats), in the shape of the CLI's `updateInfoJSON` (kind, environment, result).
 */
let dir: string;
function pulumiAnswering(...histories: unknown[][]) {
  for (const [i, history] of histories.entries()) {
    writeFileSync(path.join(dir, `history-${i}.json`), JSON.stringify(history));
  }
  writeFileSync(
    path.join(dir, 'pulumi'),
    `#!/usr/bin/env bash
echo "$*" >> "${dir}/calls"
if [ "$1 $2" = "stack history" ]; then
  n=$(cat "${dir}/count" 2>/dev/null || echo 0)
  file="${dir}/history-$n.json"
  [ -f "$file" ] || file="${dir}/history-${histories.length - 1}.json"
  echo $((n + 1)) > "${dir}/count"
  cat "$file"
fi
`,
  );
  chmodSync(path.join(dir, 'pulumi'), 0o755);
}

const update = (head: string, result: string) => [
  { kind: 'update', environment: { 'git.head': head }, result },
];

function run() {
  const result = spawnSync('bash', [script, STACK, COMMIT], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      DEPLOYMENT_WAIT_SECONDS: '2',
      DEPLOYMENT_POLL_SECONDS: '0.2',
    },
  });
  const calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
  return { status: result.status, output: result.stdout + result.stderr, calls };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'crm-deployment-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/deployment-run.sh', () => {
  it('runs the update of this stack at this commit and succeeds when the stack records that update as succeeded', () => {
    pulumiAnswering(update(COMMIT, 'succeeded'));
    const { status, calls } = run();
    expect(status).toBe(0);
    expect(calls[0]).toBe(
      `deployment run update --stack ${STACK} --git-commit ${COMMIT} --suppress-stream-logs=false`,
    );
    expect(calls.slice(1)).toEqual([`stack history --stack ${STACK} --json --page-size 1`]);
  });

  it('fails when the update failed, although `pulumi deployment run` exited 0', () => {
    pulumiAnswering(update(COMMIT, 'failed'));
    const { status, output } = run();
    expect(status).toBe(1);
    expect(output).toContain(`the Pulumi Deployments update of ${COMMIT} failed`);
  });

  it('waits while the update is in progress', () => {
    pulumiAnswering(
      update(COMMIT, 'in-progress'),
      update(COMMIT, 'in-progress'),
      update(COMMIT, 'succeeded'),
    );
    const { status, calls } = run();
    expect(status).toBe(0);
    expect(calls.filter((c) => c.startsWith('stack history'))).toHaveLength(3);
  });

  it('fails, after the wait, when the newest update is of another commit or not an update', () => {
    pulumiAnswering(update('0123456789abcdef0123456789abcdef01234567', 'succeeded'));
    const other = run();
    expect(other.status).toBe(1);
    expect(other.output).toContain(`no finished update of ${COMMIT}`);
    rmSync(path.join(dir, 'calls'));
    rmSync(path.join(dir, 'count'));
    pulumiAnswering([{ kind: 'refresh', environment: { 'git.head': COMMIT }, result: 'succeeded' }]);
    expect(run().status).toBe(1);
  });
});
