import { ConfigError, type ConfigSource, configReader, type Format } from '@cloudops-crm/stack-config';
import * as pulumi from '@pulumi/pulumi';

/** Where the container image comes from: built from this checkout, or an image CI already pushed. */
export type ImageSource = { mode: 'build'; gitSha: string } | { mode: 'existing'; ref: string };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface AppConfig {
  /** Fully qualified infra stack; absent for a local cluster reached through the ambient kubeconfig. */
  infraStack: string | undefined;
  clusterStack: string;
  image: ImageSource;
  replicas: number;
  maxReplicas: number;
  targetCpuUtilization: number;
  authEnabled: boolean;
  environment: string;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

const PROJECT = 'cloudops-crm-app';
const STACK_NAME: Format = {
  pattern: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
  description: 'a fully qualified stack name, org/project/stack',
};
// Mutable tags are not accepted: the digest is what makes a rollout reproducible.
const IMAGE_BY_DIGEST: Format = {
  pattern: /^[^\s@]+@sha256:[a-f0-9]{64}$/,
  description: 'an image referenced by digest (repository@sha256:<64 hex>)',
};
const GIT_SHA = /^[0-9a-f]{7,40}$/;
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

function imageSource(
  image: string | undefined,
  gitSha: string | undefined,
  infraStack: string | undefined,
): ImageSource {
  if (image !== undefined) return { mode: 'existing', ref: image };
  if (infraStack === undefined) {
    throw new ConfigError(
      PROJECT,
      'image',
      'is required when infraStack is not set (there is no ECR repository to build into)',
    );
  }
  if (gitSha === undefined || gitSha === '') {
    throw new ConfigError(
      PROJECT,
      'gitSha',
      'is required to tag a built image (set it or export GITHUB_SHA); to deploy a published image set image instead',
    );
  }
  // GITHUB_SHA stands in for gitSha, so it is checked under that key too.
  if (!GIT_SHA.test(gitSha)) {
    throw new ConfigError(
      PROJECT,
      'gitSha',
      `expected a lowercase hex commit SHA (7-40 characters), got "${gitSha}"`,
    );
  }
  return { mode: 'build', gitSha };
}

export function loadConfig(
  source: ConfigSource = new pulumi.Config(PROJECT),
  env: NodeJS.ProcessEnv = process.env,
): AppConfig {
  const read = configReader(source, PROJECT);
  const infraStack = read.optional('infraStack', STACK_NAME);
  const clusterStack = read.required('clusterStack', STACK_NAME);
  const replicas = read.integer('replicas', 2, 1, 50);
  // 4 is what two t3a.medium nodes hold next to the platform, a rollout's surge pod included (cluster/README.md
  // "Capacity"); the cluster layer's capacity test checks this default.
  const maxReplicas = read.integer('maxReplicas', Math.max(4, replicas), 1, 100);
  if (maxReplicas < replicas) {
    throw new ConfigError(
      PROJECT,
      'maxReplicas',
      `must be at least replicas (${replicas}), got ${maxReplicas}`,
    );
  }
  const logLevel = read.oneOf('logLevel', 'info', LOG_LEVELS);
  const environment = read.optional('environment') ?? pulumi.getStack();
  const image = read.optional('image', IMAGE_BY_DIGEST);
  return {
    infraStack,
    clusterStack,
    image: imageSource(image, read.optional('gitSha') ?? env.GITHUB_SHA, infraStack),
    replicas,
    maxReplicas,
    targetCpuUtilization: read.integer('targetCpuUtilization', 70, 10, 100),
    authEnabled: read.boolean('authEnabled', true),
    environment,
    logLevel,
    shutdownTimeoutMs: read.integer('shutdownTimeoutMs', 10_000, 1_000, 120_000),
  };
}
