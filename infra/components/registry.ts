import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface ContainerRegistryArgs {
  repositoryName: string;
  /** Tagged images kept; older ones expire. */
  keepLastImages: number;
  untaggedExpiryDays: number;
  tags: Record<string, string>;
}

/** The application's ECR repository: immutable tags, scanned on push, encrypted, self-pruning. */
export class ContainerRegistry extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly repositoryUrl: pulumi.Output<string>;
  readonly repositoryName: pulumi.Output<string>;
  readonly repositoryArn: pulumi.Output<string>;

  constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops:infra:ContainerRegistry', name, {}, opts);

    this.repository = new aws.ecr.Repository(
      name,
      {
        name: args.repositoryName,
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: 'AES256' }],
        // Destroying the stack must not stall on images nobody will pull again.
        forceDelete: true,
        tags: args.tags,
      },
      { parent: this },
    );

    new aws.ecr.LifecyclePolicy(
      name,
      {
        repository: this.repository.name,
        policy: JSON.stringify(lifecyclePolicy(args.keepLastImages, args.untaggedExpiryDays)),
      },
      { parent: this },
    );

    this.repositoryUrl = this.repository.repositoryUrl;
    this.repositoryName = this.repository.name;
    this.repositoryArn = this.repository.arn;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, repositoryName: this.repositoryName });
  }
}

export function lifecyclePolicy(keepLastImages: number, untaggedExpiryDays: number) {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Expire untagged images after ${untaggedExpiryDays} day(s)`,
        selection: {
          tagStatus: 'untagged',
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: untaggedExpiryDays,
        },
        action: { type: 'expire' },
      },
      {
        // A tagStatus "any" rule must carry the lowest priority (highest number).
        rulePriority: 2,
        description: `Keep only the last ${keepLastImages} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepLastImages },
        action: { type: 'expire' },
      },
    ],
  };
}
