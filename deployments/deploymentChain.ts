import * as pulumi from '@pulumi/pulumi';
import * as pulumiservice from '@pulumi/pulumiservice';

export interface StackId {
  project: string;
  stack: string;
}

export interface DeploymentChainArgs {
  organization: string;
  from: StackId;
  to: StackId;
}

/** When a deployment of `from` succeeds, Pulumi Cloud starts a deployment of `to`. */
export class DeploymentChain extends pulumi.ComponentResource {
  public readonly webhook: pulumiservice.Webhook;

  constructor(name: string, args: DeploymentChainArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:deployments:DeploymentChain', name, {}, opts);

    this.webhook = new pulumiservice.Webhook(
      name,
      {
        organizationName: args.organization,
        projectName: args.from.project,
        stackName: args.from.stack,
        displayName: `deploy ${args.to.project}/${args.to.stack} after ${args.from.project}`,
        format: pulumiservice.WebhookFormat.PulumiDeployments,
        // For the pulumi_deployments format the payload URL names the stack to deploy.
        payloadUrl: `${args.to.project}/${args.to.stack}`,
        filters: [pulumiservice.WebhookFilters.DeploymentSucceeded],
        active: true,
      },
      { parent: this },
    );

    this.registerOutputs({});
  }
}
