import { ofType, runProgram } from '@cloudops-crm/pulumi-testing';

export const organization = 'example-org';
export const roleArn = 'arn:aws:iam::123456789012:role/pulumi-deployments';

/**
 * Runs the Deployments program under mocks with the given config (namespace cloudops-crm-deployments), the infra
 * stack answering with the Deployments role. One program per test file: the Pulumi runtime keeps its state per
 * process and vitest runs each file in its own fork.
 */
export async function runDeployments(config: Record<string, string>) {
  const run = await runProgram({
    project: 'cloudops-crm-deployments',
    stack: 'prod',
    organization,
    config,
    stackOutputs: () => ({ deploymentsRoleArn: roleArn }),
    program: () => import('../index.js'),
  });
  return {
    ...run,
    settings: () => ofType(run.resources, 'pulumiservice:index:DeploymentSettings'),
    webhooks: () => ofType(run.resources, 'pulumiservice:index:Webhook').map((w) => w.inputs),
    environments: () => ofType(run.resources, 'pulumiservice:index:Environment'),
  };
}
