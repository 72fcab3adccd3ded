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

/** The subset of pulumi.Config this module reads, so tests can hand in a plain map. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

export class ConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid configuration "${PROJECT}:${key}": ${problem}`);
    this.name = 'ConfigError';
  }
}

const PROJECT = 'cloudops-crm-app';
const STACK_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
// Mutable tags are not accepted: the digest is what makes a rollout reproducible.
const IMAGE_BY_DIGEST = /^[^\s@]+@sha256:[a-f0-9]{64}$/;
const GIT_SHA = /^[0-9a-f]{7,40}$/;
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

function stackName(source: ConfigSource, key: string, required: boolean): string | undefined {
  const value = source.get(key);
  if (value === undefined || value === '') {
    if (required) throw new ConfigError(key, 'is required (a fully qualified stack name, org/project/stack)');
    return undefined;
  }
  if (!STACK_NAME.test(value)) {
    throw new ConfigError(key, `expected a fully qualified stack name org/project/stack, got "${value}"`);
  }
  return value;
}

function integer(source: ConfigSource, key: string, fallback: number, min: number, max: number): number {
  const raw = source.get(key);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(key, `expected an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function boolean(source: ConfigSource, key: string, fallback: boolean): boolean {
  const raw = source.get(key);
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(key, `expected true or false, got "${raw}"`);
}

function imageSource(
  source: ConfigSource,
  env: NodeJS.ProcessEnv,
  infraStack: string | undefined,
): ImageSource {
  const ref = source.get('image');
  if (ref !== undefined && ref !== '') {
    if (!IMAGE_BY_DIGEST.test(ref)) {
      throw new ConfigError(
        'image',
        `must reference the image by digest (repository@sha256:<64 hex>), got "${ref}"`,
      );
    }
    return { mode: 'existing', ref };
  }
  if (infraStack === undefined) {
    throw new ConfigError(
      'image',
      'is required when infraStack is not set (there is no ECR repository to build into)',
    );
  }
  const sha = source.get('gitSha') || env.GITHUB_SHA;
  if (sha === undefined || sha === '') {
    throw new ConfigError(
      'gitSha',
      'is required to tag a built image (set it or export GITHUB_SHA); to deploy a published image set image instead',
    );
  }
  if (!GIT_SHA.test(sha)) {
    throw new ConfigError('gitSha', `expected a lowercase hex commit SHA (7-40 characters), got "${sha}"`);
  }
  return { mode: 'build', gitSha: sha };
}

export function loadConfig(
  source: ConfigSource = new pulumi.Config(PROJECT),
  env: NodeJS.ProcessEnv = process.env,
): AppConfig {
  const infraStack = stackName(source, 'infraStack', false);
  const clusterStack = stackName(source, 'clusterStack', true) as string;
  const replicas = integer(source, 'replicas', 2, 1, 50);
  const maxReplicas = integer(source, 'maxReplicas', Math.max(6, replicas), 1, 100);
  if (maxReplicas < replicas) {
    throw new ConfigError('maxReplicas', `must be at least replicas (${replicas}), got ${maxReplicas}`);
  }
  const logLevel = source.get('logLevel') || 'info';
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError('logLevel', `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const environment = source.get('environment') || pulumi.getStack();
  return {
    infraStack,
    clusterStack,
    image: imageSource(source, env, infraStack),
    replicas,
    maxReplicas,
    targetCpuUtilization: integer(source, 'targetCpuUtilization', 70, 10, 100),
    authEnabled: boolean(source, 'authEnabled', true),
    environment,
    logLevel: logLevel as LogLevel,
    shutdownTimeoutMs: integer(source, 'shutdownTimeoutMs', 10_000, 1_000, 120_000),
  };
}
