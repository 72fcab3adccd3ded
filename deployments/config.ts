import { type ConfigSource, configReader, type Format } from '@cloudops-crm/stack-config';
import * as pulumi from '@pulumi/pulumi';

export interface DeploymentsConfig {
  organization: string;
  /** GitHub repository as owner/name; the Pulumi GitHub App must be installed on it. */
  repository: string;
  branch: string;
  stacks: { infra: string; cluster: string; app: string };
  /** ESC environment (project/name) holding the image the app stack deploys. */
  imageEnvironment: { project: string; name: string };
  oidcSessionDuration: string;
}

const PROJECT = 'cloudops-crm-deployments';

const NAME: Format = { pattern: /^[A-Za-z0-9_.-]+$/, description: 'a plain name (letters, digits, . _ -)' };

export function loadConfig(
  source: ConfigSource = new pulumi.Config(PROJECT),
  organization: string = pulumi.getOrganization(),
): DeploymentsConfig {
  const read = configReader(source, PROJECT);
  const repository = read.required('repository', {
    pattern: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
    description: 'the GitHub repository as owner/name',
  });
  const branch = read.string('branch', 'main', {
    pattern: /^(?!refs\/)\S+$/,
    description: 'a branch name such as main',
  });
  const imageEnvironment = read.string('imageEnvironment', 'cloudops-crm/app-image', {
    pattern: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
    description: 'an ESC environment as project/name',
  });
  const [envProject, envName] = imageEnvironment.split('/') as [string, string];
  const oidcSessionDuration = read.string('oidcSessionDuration', '1h0m0s', {
    pattern: /^(\d+h)?(\d+m)?(\d+s)?$/,
    description: 'a duration like 1h0m0s',
  });
  return {
    organization: read.string('organization', organization, NAME),
    repository,
    branch,
    stacks: {
      infra: read.string('infraStack', 'dev', NAME),
      cluster: read.string('clusterStack', 'dev', NAME),
      app: read.string('appStack', 'dev', NAME),
    },
    imageEnvironment: { project: envProject, name: envName },
    oidcSessionDuration,
  };
}
