import { beforeAll, describe, expect, it } from 'vitest';
import { preRunCommands } from '../preRun';
import { organization, roleArns, runDeployments } from './harness';

let run: Awaited<ReturnType<typeof runDeployments>>;

beforeAll(async () => {
  run = await runDeployments({ repository: 'example-org/cloudops-crm', branch: 'main' });
});

const resources = () => run.resources;
const settings = () => run.settings();
const settingsFor = (project: string) => {
  const match = settings().filter((s) => s.inputs.project === project);
  expect(match).toHaveLength(1);
  return match[0]!.inputs;
};

describe('Deployment Settings', () => {
  it('exist once per layer stack', () => {
    expect(
      settings()
        .map((s) => `${s.inputs.organization}/${s.inputs.project}/${s.inputs.stack}`)
        .sort(),
    ).toEqual([
      'example-org/cloudops-crm-app/dev',
      'example-org/cloudops-crm-cluster/dev',
      'example-org/cloudops-crm-infra/dev',
    ]);
  });

  it.each([
    ['cloudops-crm-infra', 'infra'],
    ['cloudops-crm-cluster', 'cluster'],
    ['cloudops-crm-app', 'app/deploy'],
  ])('%s deploys from %s of the configured branch, never by itself on a push', (project, repoDir) => {
    const { sourceContext, vcs } = settingsFor(project);
    expect(sourceContext.git).toEqual({ branch: 'refs/heads/main', repoDir });
    expect(vcs).toMatchObject({ provider: 'github', repository: 'example-org/cloudops-crm' });
    // The CI/CD workflow starts every update after its tests, once per layer and in order (rollout.test.ts).
    expect(vcs.deployCommits).toBe(false);
    expect(vcs.paths).toBeUndefined();
    expect(vcs.previewPullRequests).toBe(false);
  });

  it("assumes, through OIDC, the infra stack's role for each layer stack, never another layer's", () => {
    const infraReference = resources().find((r) => r.type === 'pulumi:pulumi:StackReference');
    expect(infraReference?.inputs.name).toBe('example-org/cloudops-crm-infra/dev');
    const layers = { infra: 'cloudops-crm-infra', cluster: 'cloudops-crm-cluster', app: 'cloudops-crm-app' };
    for (const [layer, project] of Object.entries(layers) as [keyof typeof layers, string][]) {
      expect(settingsFor(project).operationContext.oidc.aws).toMatchObject({
        roleARN: roleArns[layer],
        sessionName: `pulumi-deployments-${layer}`,
      });
    }
  });

  it('registers the pre-run commands that test/preRun.test.ts runs, instead of the default install step', () => {
    for (const s of settings()) {
      const { preRunCommands: registered, options } = s.inputs.operationContext;
      expect(options.skipInstallDependencies).toBe(true);
      expect(registered.slice(0, 3)).toEqual(preRunCommands());
    }
  });

  it('runs the program on destroy so delete hooks fire', () => {
    for (const s of settings()) {
      expect(s.inputs.operationContext.environmentVariables).toMatchObject({ PULUMI_RUN_PROGRAM: 'true' });
    }
  });

  it('lets the app stack read the published image from the ESC environment', () => {
    const { preRunCommands } = settingsFor('cloudops-crm-app').operationContext;
    expect(preRunCommands).toContainEqual(
      expect.stringContaining(
        'pulumi -C app/deploy config env add cloudops-crm/app-image --yes --stack example-org/cloudops-crm-app/dev',
      ),
    );
    const environment = resources().find((r) => r.type === 'pulumiservice:index:Environment');
    expect(environment?.inputs).toMatchObject({ organization, project: 'cloudops-crm', name: 'app-image' });
  });
});

describe('no webhook chain', () => {
  it('starts no deployment from another one: a destroy or refresh of infra never deploys cluster', () => {
    expect(run.webhooks()).toEqual([]);
    expect(run.program.deploymentSettings.sort()).toEqual(['app', 'cluster', 'infra']);
  });
});
