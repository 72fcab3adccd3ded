import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';

const organization = 'example-org';
const roleArn = 'arn:aws:iam::123456789012:role/pulumi-deployments';

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

const resources: Recorded[] = [];
let program: typeof import('../index.js');

async function settle() {
  let last = -1;
  let stable = 0;
  while (stable < 5) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stable = resources.length === last ? stable + 1 : 0;
    last = resources.length;
  }
}

beforeAll(async () => {
  pulumi.runtime.setAllConfig({
    'cloudops-crm-deployments:repository': 'example-org/cloudops-crm',
    'cloudops-crm-deployments:branch': 'main',
  });
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        if (args.type === 'pulumi:pulumi:StackReference') {
          return {
            id: args.inputs.name,
            state: {
              name: args.inputs.name,
              outputs: { deploymentsRoleArn: roleArn },
              secretOutputNames: [],
            },
          };
        }
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'cloudops-crm-deployments',
    'prod',
    false,
    organization,
  );
  program = await import('../index.js');
  await new Promise((resolve) => pulumi.all(program.stacks).apply(resolve));
  await settle();
});

const settings = () => resources.filter((r) => r.type === 'pulumiservice:index:DeploymentSettings');
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
    ['cloudops-crm-infra', 'infra', ['infra/**']],
    ['cloudops-crm-cluster', 'cluster', ['cluster/**']],
    ['cloudops-crm-app', 'app/deploy', ['app/**']],
  ])('%s deploys from %s of the configured branch, filtered to %j', (project, repoDir, paths) => {
    const { sourceContext, vcs } = settingsFor(project);
    expect(sourceContext.git).toEqual({ branch: 'refs/heads/main', repoDir });
    expect(vcs).toMatchObject({ provider: 'github', repository: 'example-org/cloudops-crm', paths });
    expect(vcs.previewPullRequests).toBe(false);
  });

  it('deploys infra and cluster on push, and leaves app pushes to CI which knows the image digest', () => {
    expect(settingsFor('cloudops-crm-infra').vcs.deployCommits).toBe(true);
    expect(settingsFor('cloudops-crm-cluster').vcs.deployCommits).toBe(true);
    expect(settingsFor('cloudops-crm-app').vcs.deployCommits).toBe(false);
  });

  it('assumes the infra layer role through OIDC', () => {
    const infraReference = resources.find((r) => r.type === 'pulumi:pulumi:StackReference');
    expect(infraReference?.inputs.name).toBe('example-org/cloudops-crm-infra/dev');
    for (const s of settings()) {
      expect(s.inputs.operationContext.oidc.aws).toMatchObject({
        roleARN: roleArn,
        sessionName: expect.stringMatching(/^pulumi-deployments-(infra|cluster|app)$/),
      });
    }
  });

  it('installs the workspace with the pinned pnpm instead of the default install step', () => {
    for (const s of settings()) {
      const { preRunCommands, options } = s.inputs.operationContext;
      expect(options.skipInstallDependencies).toBe(true);
      expect(preRunCommands[0]).toBe('npm install --global pnpm@12.4.2');
      expect(preRunCommands[1]).toMatch(/&& pnpm install --frozen-lockfile$/);
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
    const environment = resources.find((r) => r.type === 'pulumiservice:index:Environment');
    expect(environment?.inputs).toMatchObject({ organization, project: 'cloudops-crm', name: 'app-image' });
  });
});

describe('webhook chain', () => {
  const webhooks = () =>
    resources.filter((r) => r.type === 'pulumiservice:index:Webhook').map((w) => w.inputs);

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
