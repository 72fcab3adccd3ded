import { beforeAll, describe, expect, it } from 'vitest';
import { preRunCommands } from '../preRun';
import { organization, roleArns, runDeployments } from './harness';

let run: Awaited<ReturnType<typeof runDeployments>>;

beforeAll(async () => {
  // appRollout left at its default: Deployments rolls the app out.
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

  // What every layer's program reads besides its own folder: a change to any of them must redeploy it.
  const shared = [
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    'tsconfig.base.json',
    'lib/stack-config/**',
    'policy/**',
  ];

  it.each([
    ['cloudops-crm-infra', 'infra', 'infra/**'],
    ['cloudops-crm-cluster', 'cluster', 'cluster/**'],
    ['cloudops-crm-app', 'app/deploy', 'app/**'],
  ])(
    '%s deploys from %s of the configured branch, filtered to %s and the shared inputs',
    (project, repoDir, own) => {
      const { sourceContext, vcs } = settingsFor(project);
      expect(sourceContext.git).toEqual({ branch: 'refs/heads/main', repoDir });
      expect(vcs).toMatchObject({ provider: 'github', repository: 'example-org/cloudops-crm' });
      expect([...vcs.paths].sort()).toEqual([own, ...shared].sort());
      expect(vcs.previewPullRequests).toBe(false);
    },
  );

  it('deploys infra and cluster on push, and leaves app pushes to CI which knows the image digest', () => {
    expect(settingsFor('cloudops-crm-infra').vcs.deployCommits).toBe(true);
    expect(settingsFor('cloudops-crm-cluster').vcs.deployCommits).toBe(true);
    expect(settingsFor('cloudops-crm-app').vcs.deployCommits).toBe(false);
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

describe('appRollout deployments (the default)', () => {
  it('is exported, and the app stack is among the stacks Deployments manages', () => {
    expect(run.program.appRollout).toBe('deployments');
    expect(run.program.deploymentSettings.sort()).toEqual(['app', 'cluster', 'infra']);
  });
});

describe('webhook chain', () => {
  const webhooks = () => run.webhooks();

  it('deploys cluster after infra and app after cluster, on successful deployments only', () => {
    const links = webhooks().map((w) => `${w.projectName}/${w.stackName} -> ${w.payloadUrl}`);
    expect(links.sort()).toEqual([
      'cloudops-crm-cluster/dev -> cloudops-crm-app/dev',
      'cloudops-crm-infra/dev -> cloudops-crm-cluster/dev',
    ]);
    for (const webhook of webhooks()) {
      expect(webhook.organizationName).toBe(organization);
      expect(webhook.format).toBe('pulumi_deployments');
      expect(webhook.filters).toEqual(['deployment_succeeded']);
      expect(webhook.active).toBe(true);
    }
  });
});
