import * as pulumi from '@pulumi/pulumi';

export const organization = 'example-org';
export const roleArn = 'arn:aws:iam::123456789012:role/pulumi-deployments';

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

/**
 * Runs the Deployments program under mocks with the given config (namespace cloudops-crm-deployments) and
 * returns every registered resource once registration has stopped. One program per test file: the Pulumi
 * runtime keeps its state per process and vitest runs each file in its own fork.
 */
export async function runProgram(config: Record<string, string>) {
  const resources: Recorded[] = [];
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(config).map(([key, value]) => [`cloudops-crm-deployments:${key}`, value]),
    ),
  );
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
  const program = await import('../index.js');
  await new Promise((resolve) => pulumi.all(program.stacks).apply(resolve));
  let last = -1;
  let stable = 0;
  while (stable < 5) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stable = resources.length === last ? stable + 1 : 0;
    last = resources.length;
  }
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  return {
    program,
    resources,
    settings: () => ofType('pulumiservice:index:DeploymentSettings'),
    webhooks: () => ofType('pulumiservice:index:Webhook').map((w) => w.inputs),
    environments: () => ofType('pulumiservice:index:Environment'),
  };
}
