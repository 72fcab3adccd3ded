/**
 * The repository's Pulumi projects as stacks of the live run's local backend. The stack's configuration file lives
 * in the run's directory, not beside the project: `stack init` runs in a copy of the project file there, and every
 * later command names the project directory, the stack and that file, so a run (or an interrupted one) leaves
 * nothing in the checkout.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { kubectl, REPO_ROOT, type RunResult, repeatUntilStopped } from './cluster.js';
import type { PulumiWorkspace } from './pulumi.js';

export interface LayerStack {
  /** organization/<project>/<stack>: what another stack's StackReference names. */
  fullName: string;
  /** Runs a Pulumi command for this stack (`--stack` and `--config-file` are added). */
  pulumi(args: string[]): Promise<RunResult>;
  /** The stack's outputs, secrets shown. */
  outputs(): Promise<Record<string, unknown>>;
  /** The state's resources (`pulumi stack export`), secrets shown. */
  resources(): Promise<StateResource[]>;
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export const output = (result: RunResult) => `${result.stdout}\n${result.stderr}`;

/** A command that must succeed; its output is the failure message otherwise. */
export function succeeded(what: string, result: RunResult): RunResult {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${output(result)}`);
  return result;
}

/**
 * The lines in which Pulumi reports a warning: the engine's own, a provider's, and the API server's warnings
 * (an unknown field, a deprecated API), which the Kubernetes provider passes on as warning diagnostics.
 */
export function warningLines(result: RunResult): string[] {
  return output(result)
    .split('\n')
    .filter((line) => /\bwarning\b/i.test(line) && !NOT_A_FAULT.some((notice) => notice.test(line)));
}

/**
 * The one warning that is no fault: while the provider awaits a new Deployment it reports the Deployment's
 * condition at warning level, and a Deployment starts without minimum availability until its first pods are Ready.
 * The await's outcome still counts (a Deployment that never gets there fails the update).
 */
const AWAIT_PROGRESS =
  /warning: \[MinimumReplicasUnavailable\] Deployment does not have minimum availability\.$/;

/**
 * Helm's note that eck-operator's CRDs stay after its uninstall: the chart marks them `helm.sh/resource-policy: keep`
 * without a setting to change it, and the provider passes every uninstall note on at warning level. Only that list,
 * of ECK's CRDs and nothing else, passes; the cluster layer's last delete hook then removes them, which the destroy
 * test checks in the API.
 */
const ECK_CRDS_KEPT =
  /warning: Helm uninstall returned information: "These resources were kept due to the resource policy:(\\n\[CustomResourceDefinition\] [a-z0-9.-]+\.k8s\.elastic\.co)+\\n"$/;

const NOT_A_FAULT = [AWAIT_PROGRESS, ECK_CRDS_KEPT];

export async function createLayerStack(
  workspace: PulumiWorkspace,
  projectDir: string,
  stack: string,
): Promise<LayerStack> {
  const projectFile = await readFile(join(projectDir, 'Pulumi.yaml'), 'utf8');
  const project = /^name:\s*(\S+)/m.exec(projectFile)?.[1];
  if (!project) throw new Error(`no project name in ${projectDir}/Pulumi.yaml`);
  const home = join(workspace.dir, `${basename(projectDir)}-${stack}`);
  await mkdir(home);
  await copyFile(join(projectDir, 'Pulumi.yaml'), join(home, 'Pulumi.yaml'));
  const fullName = `organization/${project}/${stack}`;
  succeeded(`stack init ${fullName}`, await workspace.pulumi(home, ['stack', 'init', fullName]));
  const configFile = join(home, `Pulumi.${stack}.yaml`);

  // `stack output` and `stack export` take no --config-file; the commands that read configuration do.
  const readsConfig = (args: string[]) => args[0] !== 'stack';
  const pulumi = (args: string[]) =>
    workspace.pulumi(projectDir, [
      ...args,
      '--stack',
      fullName,
      ...(readsConfig(args) ? ['--config-file', configFile] : []),
    ]);
  return {
    fullName,
    pulumi,
    outputs: async () =>
      JSON.parse(
        succeeded('stack output', await pulumi(['stack', 'output', '--json', '--show-secrets'])).stdout,
      ) as Record<string, unknown>,
    resources: async () => {
      const exported = succeeded('stack export', await pulumi(['stack', 'export', '--show-secrets']));
      const state = JSON.parse(exported.stdout) as { deployment: { resources?: StateResource[] } };
      return state.deployment.resources ?? [];
    },
  };
}

/** Sets plain configuration values through the CLI. */
export async function setConfig(stack: LayerStack, values: Record<string, string>): Promise<void> {
  const pairs = Object.entries(values).flatMap(([key, value]) => ['--plaintext', `${key}=${value}`]);
  succeeded('config set-all', await stack.pulumi(['config', 'set-all', ...pairs]));
}

export const CLUSTER_PROJECT = join(REPO_ROOT, 'cluster');
export const APP_PROJECT = join(REPO_ROOT, 'app', 'deploy');
export const POLICY_PACK = join(REPO_ROOT, 'policy');

/**
 * Plays the part of an ingress controller: every Ingress in the cluster gets the load balancer address in its status,
 * as a controller publishes it once it serves the Ingress (no controller really runs on the live cluster's nodes).
 * The Kubernetes provider's await for an Ingress waits for exactly that. Returns a function that stops it.
 */
export function publishIngressStatus(stateDir: string, hostname: string): () => Promise<void> {
  const status = JSON.stringify({ status: { loadBalancer: { ingress: [{ hostname }] } } });
  return repeatUntilStopped(async () => {
    const list = await kubectl(stateDir, [
      'get',
      'ingress',
      '--all-namespaces',
      '-o',
      'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}/{.status.loadBalancer.ingress[0].hostname}{"\\n"}{end}',
    ]);
    for (const line of list.stdout.split('\n').filter(Boolean)) {
      const [namespace, name, published] = line.split('/');
      if (published || !namespace || !name) continue;
      await kubectl(stateDir, [
        '-n',
        namespace,
        'patch',
        'ingress',
        name,
        '--subresource=status',
        '--type=merge',
        '-p',
        status,
      ]);
    }
  }, 1000);
}
