import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');
const script = path.join(root, 'scripts', 'actionlint.sh');
const workflowsDir = path.join(root, '.github', 'workflows');

function actionlint(args: string[], input?: string) {
  return spawnSync('bash', [script, ...args], { cwd: root, input, encoding: 'utf8', timeout: 60_000 });
}

// scripts/actionlint.sh exits 127 when the binary is neither on PATH nor in GOPATH/bin.
const available = actionlint(['-version']).status === 0;
const inCi = process.env.CI === 'true';

if (!available && !inCi) {
  console.warn(
    'actionlint is not installed: skipping the workflow lint (install it with scripts/install-actionlint.sh)',
  );
}

describe('GitHub workflows', () => {
  it.runIf(inCi)('actionlint is installed in CI', () => {
    expect(available, 'run scripts/install-actionlint.sh before the tests').toBe(true);
  });

  it.skipIf(!available)('pass actionlint without findings', () => {
    const result = actionlint([]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(!available)('actionlint reports a broken workflow', () => {
    const broken =
      'on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n';
    const result = actionlint(['-'], broken);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('matrix');
  });

  it('grant id-token: write only to the jobs that talk to AWS', () => {
    const ciCd = readFileSync(path.join(workflowsDir, 'ci-cd.yml'), 'utf8');
    const jobs = ciCd.split(/^ {2}(?=[\w-]+:\n)/m).slice(1);
    const withOidc = jobs.filter((job) => job.includes('id-token: write')).map((job) => job.split(':')[0]);
    expect(withOidc.sort()).toEqual(['app', 'cluster', 'infra', 'publish']);
    const topLevel = ciCd.slice(0, ciCd.indexOf('\njobs:'));
    expect(topLevel).not.toContain('id-token');
  });
});
