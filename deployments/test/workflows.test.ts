import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const workflowsDir = path.resolve(__dirname, '..', '..', '.github', 'workflows');
const read = (file: string) => readFileSync(path.join(workflowsDir, file), 'utf8');

/** The jobs of a workflow by name: each one's text up to the next job. */
function jobs(workflow: string): Record<string, string> {
  const body = workflow.slice(workflow.indexOf('\njobs:\n'));
  return Object.fromEntries(
    body
      .split(/^ {2}(?=[\w-]+:\n)/m)
      .slice(1)
      .map((job) => [job.slice(0, job.indexOf(':')), job]),
  );
}

/** The `run:` commands of a job, in order, with their continuation lines. */
function runCommands(job: string): string[] {
  return [
    ...job.matchAll(/^ +(?:- )?run: (?:\|\n)?([\s\S]*?)(?=\n +- |\n {4,6}# |\n {4}\w|\n {2}\w|(?![\s\S]))/gm),
  ].map((m) => m[1]!.trim());
}

describe('CI/CD verify job', () => {
  const verify = jobs(read('ci-cd.yml')).verify!;

  it('installs the test tools with scripts/setup.sh, then runs the full pnpm test', () => {
    expect(runCommands(verify).filter((command) => /scripts\/|pnpm /.test(command))).toEqual([
      'bash scripts/setup.sh',
      'pnpm test',
    ]);
  });

  it('uses a pinned Go release and puts the Go-installed tools on PATH for later steps', () => {
    expect(verify).not.toMatch(/go-version: stable/);
    expect(verify).toMatch(/go-version-file: tools\/ferretdb\/go\.mod/);
    expect(runCommands(verify)).toContain('echo "$(go env GOPATH)/bin" >> "${GITHUB_PATH}"');
    expect(verify.indexOf('uses: actions/setup-go')).toBeLessThan(
      verify.indexOf('run: bash scripts/setup.sh'),
    );
  });
});

describe('policy pack', () => {
  const commands = readdirSync(workflowsDir).flatMap((file) =>
    runCommands(read(file))
      .flatMap((command) => command.split('\n'))
      .filter((line) => /pulumi (preview|up)\b/.test(line))
      .map((line) => ({ file, line: line.trim() })),
  );

  it('checks every preview and update in the workflows', () => {
    // Every update on a push goes through pulumi-layer.yml (workflow mode) or Pulumi Deployments.
    expect(commands.map(({ file }) => file).sort()).toEqual(['pulumi-layer.yml', 'pulumi-layer.yml']);
    for (const { line } of commands) {
      expect(line).toMatch(/--policy-pack "\$\{(GITHUB_WORKSPACE\}\/policy|POLICY_PACK\})"/);
    }
  });

  it('resolves from every layer folder to the repository policy/ directory', () => {
    expect(read('pulumi-layer.yml')).toMatch(/^ {6}POLICY_PACK: \$\{\{ github\.workspace \}\}\/policy$/m);
  });
});

describe('full deploy in the deployments rollout mode', () => {
  const layer = read('pulumi-layer.yml');
  const step = layer.slice(layer.indexOf('- name: Record the deployed image for Pulumi Deployments'));

  it('writes the deployed app image to the ESC environment after the update, reading the mode from one file', () => {
    expect(layer.indexOf('- name: Update')).toBeLessThan(layer.indexOf('- name: Record the deployed image'));
    expect(step).toContain('jq -r .mode "${GITHUB_WORKSPACE}/deployments/rollout.json"');
    expect(step).toMatch(/inputs\.project == 'cloudops-crm-app'/);
    expect(step).toMatch(/!inputs\.preview-only/);
    expect(step).toContain('pulumi env set "${IMAGE_ENVIRONMENT}" pulumiConfig.image "${image}"');
  });

  it('leaves no repository variable that could disagree with deployments/rollout.json', () => {
    for (const file of readdirSync(workflowsDir))
      expect(read(file), file).not.toContain('PULUMI_DEPLOYMENTS');
  });
});

describe('actions the workflows run', () => {
  const githubDir = path.resolve(workflowsDir, '..');
  const files = [
    ...readdirSync(workflowsDir).map((file) => path.join(workflowsDir, file)),
    ...readdirSync(path.join(githubDir, 'actions')).map((action) =>
      path.join(githubDir, 'actions', action, 'action.yml'),
    ),
  ];
  const uses = files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].map((m) => ({
      file: path.relative(githubDir, file),
      action: m[1]!,
      comment: m[2]!.trim(),
    })),
  );

  it('finds the actions in every workflow and composite action', () => {
    expect(uses.filter((u) => !u.action.startsWith('./')).length).toBeGreaterThan(10);
  });

  // A tag can be moved to other code after review; a commit cannot. The comment keeps the release readable.
  it('pins every third-party action by full commit SHA, with its release tag beside it', () => {
    const unpinned = uses
      .filter((u) => !u.action.startsWith('./'))
      .filter(
        (u) => !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(u.action) || !/^# v\d+(\.\d+)*$/.test(u.comment),
      )
      .map((u) => `${u.file}: ${u.action} ${u.comment}`);
    expect(unpinned).toEqual([]);
  });

  it('installs the Pulumi CLI without piping a download into a shell', () => {
    for (const file of files) {
      expect(readFileSync(file, 'utf8')).not.toMatch(/curl[^\n|]*\|\s*(ba)?sh/);
    }
  });
});

describe('Destroy workflow', () => {
  const destroy = jobs(read('destroy.yml'));

  it('waits for the reviewers of the "destroy" environment before any layer is destroyed', () => {
    expect(destroy.confirm).toMatch(/^ {4}environment: destroy$/m);
    const layers = Object.keys(destroy).filter((name) => name !== 'confirm');
    expect(layers.sort()).toEqual(['app', 'cluster', 'infra']);
    // Each layer waits for confirm, directly or through the layer destroyed before it.
    const needs = (job: string) =>
      [...destroy[job]!.matchAll(/^ {4}needs: \[?([\w, -]+)\]?$/gm)].flatMap((m) => m[1]!.split(/,\s*/));
    const reaches = (job: string): boolean => needs(job).some((n) => n === 'confirm' || reaches(n));
    for (const layer of layers) expect(reaches(layer), layer).toBe(true);
  });
});
