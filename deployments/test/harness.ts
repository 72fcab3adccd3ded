import { ofType, runProgram } from '@cloudops-crm/pulumi-testing';

export const organization = 'example-org';
/** The infra stack's role per layer stack, as its `deploymentsRoleArns` output gives them. */
export const roleArns = {
  infra: 'arn:aws:iam::123456789012:role/ci-deployments-infra',
  cluster: 'arn:aws:iam::123456789012:role/ci-deployments-cluster',
  app: 'arn:aws:iam::123456789012:role/ci-deployments-app',
};

/**
 * Runs the Deployments program under mocks with the given config (namespace cloudops-crm-deployments), the infra
 * stack answering with the Deployments roles.
 */
export async function runDeployments(config: Record<string, string>) {
  const run = await runProgram({
    project: 'cloudops-crm-deployments',
    stack: 'prod',
    organization,
    config,
    stackOutputs: () => ({ deploymentsRoleArns: roleArns }),
    program: () => import('../index.js'),
  });
  return {
    ...run,
    settings: () => ofType(run.resources, 'pulumiservice:index:DeploymentSettings'),
    webhooks: () => ofType(run.resources, 'pulumiservice:index:Webhook').map((w) => w.inputs),
    environments: () => ofType(run.resources, 'pulumiservice:index:Environment'),
  };
}
