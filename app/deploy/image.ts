import * as path from 'node:path';
import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';

export interface RegistryCredentials {
  address: pulumi.Input<string>;
  username: pulumi.Input<string>;
  password: pulumi.Input<string>;
}

export type AppImageArgs =
  | {
      mode: 'build';
      /** ECR repository URL (no tag). */
      repositoryUrl: pulumi.Input<string>;
      gitSha: string;
      registry: RegistryCredentials;
      /** Repository root holding the Dockerfile; defaults to two levels above this folder. */
      contextDir?: string;
    }
  | { mode: 'existing'; ref: string };

/** The API container image, always exposed as an immutable digest reference. */
export class AppImage extends pulumi.ComponentResource {
  public readonly ref: pulumi.Output<string>;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:app:Image', name, {}, opts);

    if (args.mode === 'existing') {
      this.ref = pulumi.output(args.ref);
    } else {
      const contextDir = args.contextDir ?? path.resolve(__dirname, '..', '..');
      const image = new dockerBuild.Image(
        name,
        {
          context: { location: contextDir },
          dockerfile: { location: path.join(contextDir, 'Dockerfile') },
          platforms: [dockerBuild.Platform.Linux_amd64],
          // The repository has immutable tags: one tag per commit, never a moving tag such as latest.
          tags: [pulumi.interpolate`${args.repositoryUrl}:${args.gitSha}`],
          push: true,
          // Previews must work on runners without a Docker daemon.
          buildOnPreview: false,
          registries: [
            {
              address: args.registry.address,
              username: args.registry.username,
              password: pulumi.secret(args.registry.password),
            },
          ],
        },
        // Deleting the resource would delete the pushed tag, and with it the image pods may still run; ECR's
        // lifecycle policy and the repository's force delete own the cleanup instead.
        { parent: this, retainOnDelete: true },
      );
      // `ref` carries the pushed digest, so pods pull exactly what was built.
      this.ref = image.ref;
    }

    this.registerOutputs({ ref: this.ref });
  }
}
