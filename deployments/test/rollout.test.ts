import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// The same glob reading as the changes job's, for the paths of Deployment Settings.
import { globToRegExp } from '../../scripts/changed-layers.mjs';
import { type ExpressionContext, interpolate, runs } from './githubExpressions';
import { runDeployments } from './harness';

/**
 * What a push to main makes happen to the three layer stacks, computed from the real sources of that decision:
 * scripts/changed-layers.mjs run on a git history with the change, the job graph and conditions of ci-cd.yml and
 * rollout-layer.yml, and the Deployment Settings and webhooks the Deployments program registers (each of which
 * could start updates of its own). Every job that runs is taken to succeed, unless a case says otherwise.
 */

const root = path.resolve(__dirname, '..', '..');
const workflows = path.join(root, '.github', 'workflows');
const STACKS = ['cloudops-crm-infra', 'cloudops-crm-cluster', 'cloudops-crm-app'] as const;

interface Job {
  needs?: string | string[];
  if?: string | boolean;
  uses?: string;
  with?: Record<string, unknown>;
  steps?: { run?: string; if?: string; uses?: string }[];
}
const workflow = (file: string) =>
  parse(readFileSync(path.join(workflows, file), 'utf8')) as { jobs: Record<string, Job> };
const needsOf = (job: Job) =>
  job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];

const FILES = [
  'README.md',
  'Dockerfile',
  'pnpm-lock.yaml',
  '.github/workflows/ci-cd.yml',
  'policy/rules/oidcTrust.ts',
  'infra/index.ts',
  'infra/README.md',
  'cluster/index.ts',
  'cluster/test/values.test.ts',
  'app/server/src/app.ts',
  'app/deploy/index.ts',
];

/** The kinds of change a push can bring, and the stacks each must update (in this order). */
const CASES: { change: string; files: string[]; updates: string[]; image: boolean }[] = [
  { change: 'app code', files: ['app/server/src/app.ts'], updates: ['cloudops-crm-app'], image: true },
  { change: 'app rollout code', files: ['app/deploy/index.ts'], updates: ['cloudops-crm-app'], image: true },
  { change: 'the Dockerfile', files: ['Dockerfile'], updates: ['cloudops-crm-app'], image: true },
  {
    change: 'cluster code',
    files: ['cluster/index.ts'],
    updates: ['cloudops-crm-cluster', 'cloudops-crm-app'],
    image: false,
  },
  { change: 'infra code', files: ['infra/index.ts'], updates: [...STACKS], image: false },
  { change: 'the shared lockfile', files: ['pnpm-lock.yaml'], updates: [...STACKS], image: true },
  { change: 'the policy pack', files: ['policy/rules/oidcTrust.ts'], updates: [...STACKS], image: true },
  {
    change: 'infra and cluster code together',
    files: ['infra/index.ts', 'cluster/index.ts'],
    updates: [...STACKS],
    image: false,
  },
  { change: 'a README only', files: ['README.md', 'infra/README.md'], updates: [], image: false },
  { change: 'a workflow only', files: ['.github/workflows/ci-cd.yml'], updates: [], image: false },
  { change: 'tests only', files: ['cluster/test/values.test.ts'], updates: [], image: false },
];

let repo: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', ...args], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();

/** Commits the change on top of the base and runs the script the `changes` job runs; returns its outputs. */
function changesJobOutputs(files: string[]): Record<string, string> {
  git('checkout', '--quiet', '--detach', 'base');
  for (const file of files) writeFileSync(path.join(repo, file), `changed ${Math.random()}\n`, { flag: 'a' });
  git('commit', '--quiet', '-am', 'change');
  const out = execFileSync(
    process.execPath,
    [path.join(root, 'scripts', 'changed-layers.mjs'), 'base', 'HEAD'],
    {
      cwd: repo,
      encoding: 'utf8',
    },
  );
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
}

type Result = 'success' | 'failure' | 'skipped';

/** Runs ci-cd.yml for a push to main: which stack updates happen, in the order their jobs complete. */
function simulatePush(outputs: Record<string, string>, mode: string, failing: string[] = []): string[] {
  const ciCd = workflow('ci-cd.yml').jobs;
  const results: Record<string, Result> = {};
  const jobOutputs: Record<string, Record<string, unknown>> = { changes: { ...outputs, mode } };
  const updates: string[] = [];
  const github = { event_name: 'push', ref: 'refs/heads/main', sha: 'c0ffee' };

  const contextFor = (job: Job, inputs: Record<string, unknown> = {}): ExpressionContext => {
    const needed = needsOf(job).map((name) => results[name]);
    return {
      status: {
        success: needed.every((r) => r === 'success'),
        failure: needed.some((r) => r === 'failure'),
        cancelled: false,
      },
      lookup: (expression) => {
        const [scope, name, field, key] = expression.split('.');
        if (scope === 'needs') {
          return field === 'result' ? results[name!] : (jobOutputs[name!]?.[key!] ?? '');
        }
        if (scope === 'github') return github[name as keyof typeof github];
        if (scope === 'inputs') return inputs[name!];
        if (scope === 'vars' || scope === 'secrets' || scope === 'env') return '';
        throw new Error(`no context ${expression}`);
      },
    };
  };

  const pending = new Set(Object.keys(ciCd));
  while (pending.size > 0) {
    const ready = [...pending].filter((name) => needsOf(ciCd[name]!).every((need) => need in results));
    expect(ready.length, `a cycle among ${[...pending].join(', ')}`).toBeGreaterThan(0);
    for (const name of ready) {
      pending.delete(name);
      const job = ciCd[name]!;
      const context = contextFor(job);
      if (!runs(job.if, context)) {
        results[name] = 'skipped';
        continue;
      }
      results[name] = failing.includes(name) ? 'failure' : 'success';
      if (name === 'publish')
        jobOutputs.publish = { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/crm-app@sha256:1' };
      updates.push(...stackUpdatesOf(job, context));
      // Nothing outside rollout-layer.yml may update a stack on a push.
      for (const step of job.steps ?? []) {
        expect(step.run ?? '', `${name} runs an update of its own`).not.toMatch(
          /pulumi (up|deployment run)\b/,
        );
      }
    }
  }
  return updates;
}

/** The stack updates one job of ci-cd.yml makes: through rollout-layer.yml, by the mode it is given. */
function stackUpdatesOf(job: Job, context: ExpressionContext): string[] {
  if (job.uses !== './.github/workflows/rollout-layer.yml') return [];
  const inputs = Object.fromEntries(
    Object.entries(job.with ?? {}).map(([k, v]) => [k, interpolate(v, context)]),
  );
  const layer = workflow('rollout-layer.yml').jobs;
  const inner: ExpressionContext = {
    status: { success: true, failure: false, cancelled: false },
    lookup: (expression) => {
      const [scope, name] = expression.split('.');
      if (scope === 'inputs') return inputs[name!];
      if (scope === 'vars' || scope === 'secrets') return '';
      throw new Error(`no context ${expression} in rollout-layer.yml`);
    },
  };
  const updates: string[] = [];
  for (const [name, innerJob] of Object.entries(layer)) {
    if (!runs(innerJob.if, inner)) continue;
    if (innerJob.uses === './.github/workflows/pulumi-layer.yml') {
      expect(innerJob.with?.operation, name).toBe('up');
      expect(innerJob.with?.['preview-only'], name).toBeUndefined();
      updates.push(String(inputs.project));
    } else {
      const deploymentRuns = (innerJob.steps ?? []).filter((step) =>
        /scripts\/deployment-run\.sh/.test(step.run ?? ''),
      );
      expect(
        deploymentRuns.every((step) => step.if === undefined),
        name,
      ).toBe(true);
      updates.push(...deploymentRuns.map(() => String(inputs.project)));
    }
  }
  return updates;
}

/** Updates Pulumi Cloud would start by itself for the change: push triggers, then webhook chains. */
function deploymentsUpdates(run: Awaited<ReturnType<typeof runDeployments>>, files: string[]): string[] {
  const updates: string[] = [];
  for (const { inputs } of run.settings()) {
    const { vcs, project } = inputs as {
      vcs: { deployCommits?: boolean; paths?: string[] };
      project: string;
    };
    const matches = (vcs.paths ?? ['**']).some((glob) => files.some((file) => globToRegExp(glob).test(file)));
    if (vcs.deployCommits && matches) updates.push(project);
  }
  for (let i = 0; i < updates.length; i++) {
    for (const webhook of run.webhooks()) {
      if (webhook.projectName === updates[i]) updates.push(String(webhook.payloadUrl).split('/')[0] ?? '');
    }
  }
  return updates;
}

let deployments: Awaited<ReturnType<typeof runDeployments>>;

beforeAll(async () => {
  repo = mkdtempSync(path.join(tmpdir(), 'crm-rollout-'));
  git('init', '--quiet');
  for (const file of FILES) {
    mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    writeFileSync(path.join(repo, file), `${file}\n`);
  }
  git('add', '--all');
  git('commit', '--quiet', '-m', 'base');
  git('tag', 'base');
  deployments = await runDeployments({ repository: 'example-org/cloudops-crm' });
});

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe.each(['workflow', 'deployments'])('a push to main in the %s rollout mode', (mode) => {
  it.each(CASES)('$change: updates $updates, each once and in order', ({ files, updates, image }) => {
    const outputs = changesJobOutputs(files);
    expect(outputs.image).toBe(String(image));
    const made = [...simulatePush(outputs, mode), ...deploymentsUpdates(deployments, files)];
    expect(made).toEqual(updates);
  });

  it('stops at the first layer that fails: nothing after it updates', () => {
    const outputs = changesJobOutputs(['infra/index.ts']);
    expect(simulatePush(outputs, mode, ['infra'])).toEqual(['cloudops-crm-infra']);
    expect(simulatePush(outputs, mode, ['cluster'])).toEqual(['cloudops-crm-infra', 'cloudops-crm-cluster']);
  });

  it('updates nothing when the tests fail, nor an app whose new image was not published', () => {
    const outputs = changesJobOutputs(['pnpm-lock.yaml']);
    expect(simulatePush(outputs, mode, ['verify'])).toEqual([]);
    expect(simulatePush(outputs, mode, ['publish'])).toEqual(['cloudops-crm-infra', 'cloudops-crm-cluster']);
  });
});

describe('the rollout mode', () => {
  it('is read from deployments/rollout.json by the changes job, and nowhere else decides it', () => {
    const { mode } = JSON.parse(readFileSync(path.join(root, 'deployments', 'rollout.json'), 'utf8'));
    expect(changesJobOutputs(['README.md']).mode).toBe(mode);
  });

  it('updates every layer when the pushed range is unknown (a new branch or a force push)', () => {
    git('checkout', '--quiet', '--detach', 'base');
    const out = execFileSync(
      process.execPath,
      [path.join(root, 'scripts', 'changed-layers.mjs'), '0000000000000000000000000000000000000000', 'HEAD'],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(out).toContain('infra=true\ncluster=true\napp=true\nimage=true');
  });
});
