import { beforeAll, describe, expect, it } from 'vitest';
import { runDeployments } from './harness';

let run: Awaited<ReturnType<typeof runDeployments>>;

beforeAll(async () => {
  run = await runDeployments({ repository: 'example-org/cloudops-crm', appRollout: 'workflow' });
});

describe('appRollout workflow: the CI/CD workflow alone deploys the app stack', () => {
  it('gives only infra and cluster Deployment Settings', () => {
    expect(
      run
        .settings()
        .map((s) => s.inputs.project)
        .sort(),
    ).toEqual(['cloudops-crm-cluster', 'cloudops-crm-infra']);
    expect(run.program.deploymentSettings.sort()).toEqual(['cluster', 'infra']);
    expect(run.program.appRollout).toBe('workflow');
  });

  it('keeps the infra -> cluster chain and has no webhook deploying the app', () => {
    const links = run.webhooks().map((w) => `${w.projectName}/${w.stackName} -> ${w.payloadUrl}`);
    expect(links).toEqual(['cloudops-crm-infra/dev -> cloudops-crm-cluster/dev']);
  });

  it('creates no image environment, which only Deployments runs read', () => {
    expect(run.environments()).toHaveLength(0);
    expect(run.program.appImageEnvironment).toBeUndefined();
  });
});
