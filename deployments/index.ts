import * as pulumi from '@pulumi/pulumi';
import { loadConfig } from './config';
import { ImageEnvironment } from './imageEnvironment';
import { type LayerKey, layers } from './layers';
import { StackDeployment } from './stackDeployment';

const config = loadConfig();

const infraLayer = layers.find((layer) => layer.key === 'infra')!;
const infra = new pulumi.StackReference('infra', {
  name: `${config.organization}/${infraLayer.project}/${config.stacks.infra}`,
});
// The infra layer creates an IAM role per layer stack, each trusting only that stack's Pulumi OIDC tokens.
const roleArns = infra.requireOutput('deploymentsRoleArns') as pulumi.Output<Record<LayerKey, string>>;

// Deployments runners have no Docker daemon: the app stack deploys the image CI published, which CI records here.
const imageEnvironment = new ImageEnvironment('app-image', {
  organization: config.organization,
  project: config.imageEnvironment.project,
  name: config.imageEnvironment.name,
});

const settings = layers.map(
  (layer) =>
    new StackDeployment(layer.key, {
      organization: config.organization,
      repository: config.repository,
      branch: config.branch,
      stack: config.stacks[layer.key],
      layer,
      awsRoleArn: roleArns.apply((arns) => arns[layer.key]),
      oidcSessionDuration: config.oidcSessionDuration,
      extraPreRunCommands:
        layer.key === 'app'
          ? [
              `pulumi -C ${layer.repoDir} config env add ${imageEnvironment.reference} --yes ` +
                `--stack ${config.organization}/${layer.project}/${config.stacks.app}`,
            ]
          : [],
    }),
);

export const stacks = layers.map(
  (layer) => `${config.organization}/${layer.project}/${config.stacks[layer.key]}`,
);
export const deploymentSettings = settings.map((_, i) => layers[i]!.key);
export const appImageEnvironment = imageEnvironment.reference;
