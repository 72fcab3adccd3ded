import * as pulumi from '@pulumi/pulumi';
import * as pulumiservice from '@pulumi/pulumiservice';
import type { Layer } from './layers';
import { preRunCommands } from './preRun';

export interface StackDeploymentArgs {
  organization: string;
  repository: string;
  branch: string;
  stack: string;
  layer: Layer;
  /** IAM role Pulumi Deployments assumes through OIDC. */
  awsRoleArn: pulumi.Input<string>;
  oidcSessionDuration: string;
  /** Extra commands after dependency installation, run from the repository root. */
  extraPreRunCommands?: string[];
}

/** Deployment Settings that let Pulumi Deployments run one layer stack straight from git. */
export class StackDeployment extends pulumi.ComponentResource {
  public readonly settings: pulumiservice.DeploymentSettings;

  constructor(name: string, args: StackDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:deployments:StackDeployment', name, {}, opts);

    this.settings = new pulumiservice.DeploymentSettings(
      name,
      {
        organization: args.organization,
        project: args.layer.project,
        stack: args.stack,
        sourceContext: { git: { branch: `refs/heads/${args.branch}`, repoDir: args.layer.repoDir } },
        vcs: {
          provider: 'github',
          repository: args.repository,
          // A push deploys nothing by itself: the CI/CD workflow starts each layer's update at the pushed commit
          // once its tests passed, in order, only for the layers the push changed (deployments/rollout.json).
          deployCommits: false,
          previewPullRequests: false,
        },
        operationContext: {
          oidc: {
            aws: {
              roleARN: args.awsRoleArn,
              sessionName: `pulumi-deployments-${args.layer.key}`,
              duration: args.oidcSessionDuration,
            },
          },
          options: { skipInstallDependencies: true },
          preRunCommands: preRunCommands(args.extraPreRunCommands),
          // Resource hooks registered for deletion (load balancer cleanup) only run when the program runs
          // during destroy.
          environmentVariables: { PULUMI_RUN_PROGRAM: 'true' },
        },
        cacheOptions: { enable: true },
      },
      { parent: this },
    );

    this.registerOutputs({});
  }
}
