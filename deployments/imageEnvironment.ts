import * as pulumi from '@pulumi/pulumi';
import * as pulumiservice from '@pulumi/pulumiservice';

export interface ImageEnvironmentArgs {
  organization: string;
  project: string;
  name: string;
}

/**
 * ESC environment carrying `pulumiConfig.image` for the app stack. CI writes the digest it published with
 * `pulumi env set`; every app deployment (push, webhook chain, manual) reads the last published image from it.
 */
export class ImageEnvironment extends pulumi.ComponentResource {
  /** Reference as used in a stack's `environment:` list: project/name. */
  public readonly reference: string;

  constructor(name: string, args: ImageEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:deployments:ImageEnvironment', name, {}, opts);

    new pulumiservice.Environment(
      name,
      {
        organization: args.organization,
        project: args.project,
        name: args.name,
        yaml: new pulumi.asset.StringAsset('values:\n  pulumiConfig: {}\n'),
      },
      // CI owns the values after creation; updating this stack must not roll the image back.
      { parent: this, ignoreChanges: ['yaml'] },
    );
    this.reference = `${args.project}/${args.name}`;

    this.registerOutputs({ reference: this.reference });
  }
}
