import * as pulumi from '@pulumi/pulumi';

/**
 * Who rolls the app stack out on a push: Pulumi Deployments (CI publishes the image and starts the app stack's
 * deployment; the cluster stack's successful deployments chain into it) or the CI/CD workflow alone (`pulumi up`
 * from GitHub Actions; no app Deployment Settings, no cluster → app webhook). Must agree with the GitHub
 * repository variable PULUMI_DEPLOYMENTS (`true` for 'deployments'), or a push deploys twice or never.
 */
export type AppRollout = 'deployments' | 'workflow';

export const APP_ROLLOUTS: readonly AppRollout[] = ['deployments', 'workflow'];

export interface DeploymentsConfig {
  organization: string;
  /** GitHub repository as owner/name; the Pulumi GitHub App must be installed on it. */
  repository: string;
  branch: string;
  stacks: { infra: string; cluster: string; app: string };
  pnpmVersion: string;
  /** ESC environment (project/name) holding the image the app stack deploys. */
  imageEnvironment: { project: string; name: string };
  oidcSessionDuration: string;
  appRollout: AppRollout;
}

export interface ConfigSource {
  get(key: string): string | undefined;
}

const PROJECT = 'cloudops-crm-deployments';

export class ConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid configuration "${PROJECT}:${key}": ${problem}`);
    this.name = 'ConfigError';
  }
}

const NAME = /^[A-Za-z0-9_.-]+$/;

function name(source: ConfigSource, key: string, fallback: string): string {
  const value = source.get(key) || fallback;
  if (!NAME.test(value))
    throw new ConfigError(key, `expected a plain name (letters, digits, . _ -), got "${value}"`);
  return value;
}

export function loadConfig(
  source: ConfigSource = new pulumi.Config(PROJECT),
  organization: string = pulumi.getOrganization(),
): DeploymentsConfig {
  const repository = source.get('repository');
  if (!repository) throw new ConfigError('repository', 'is required (the GitHub repository as owner/name)');
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new ConfigError('repository', `expected owner/name, got "${repository}"`);
  }
  const branch = source.get('branch') || 'main';
  if (/\s/.test(branch) || branch.startsWith('refs/')) {
    throw new ConfigError('branch', `expected a branch name such as main, got "${branch}"`);
  }
  const pnpmVersion = source.get('pnpmVersion') || '12.4.2';
  if (!/^\d+\.\d+\.\d+$/.test(pnpmVersion)) {
    throw new ConfigError('pnpmVersion', `expected an exact version such as 12.4.2, got "${pnpmVersion}"`);
  }
  const imageEnvironment = source.get('imageEnvironment') || 'cloudops-crm/app-image';
  const [envProject, envName, ...rest] = imageEnvironment.split('/');
  if (!envProject || !envName || rest.length > 0 || !NAME.test(envProject) || !NAME.test(envName)) {
    throw new ConfigError('imageEnvironment', `expected project/name, got "${imageEnvironment}"`);
  }
  const oidcSessionDuration = source.get('oidcSessionDuration') || '1h0m0s';
  if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(oidcSessionDuration) || oidcSessionDuration === '') {
    throw new ConfigError(
      'oidcSessionDuration',
      `expected a duration like 1h0m0s, got "${oidcSessionDuration}"`,
    );
  }
  const appRollout = source.get('appRollout') || 'deployments';
  if (!APP_ROLLOUTS.includes(appRollout as AppRollout)) {
    throw new ConfigError('appRollout', `expected one of ${APP_ROLLOUTS.join(', ')}, got "${appRollout}"`);
  }
  return {
    organization: name(source, 'organization', organization),
    repository,
    branch,
    stacks: {
      infra: name(source, 'infraStack', 'dev'),
      cluster: name(source, 'clusterStack', 'dev'),
      app: name(source, 'appStack', 'dev'),
    },
    pnpmVersion,
    imageEnvironment: { project: envProject, name: envName },
    oidcSessionDuration,
    appRollout: appRollout as AppRollout,
  };
}
