/**
 * The real Pulumi engine for the live tests: a local backend and a generated passphrase in a temporary directory,
 * and the Kubernetes provider plugin installed into that run's own plugin cache from the live tools.
 *
 * The provider is not taken from PATH: the engine warns about every plugin it finds there ("using
 * pulumi-resource-kubernetes from $PATH"), and a live run must be free of warnings. Installed with `pulumi plugin
 * install --file` at the version it was built to report (tools/live/versions.env), it is the plugin the engine
 * selects for @pulumi/kubernetes; automatic plugin downloads stay off, so nothing else is ever fetched.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INSTALL_LIVE_TOOLS_SCRIPT, inCluster, REPO_ROOT, type RunResult, run } from './cluster.js';

/** A value of tools/live/versions.env. */
export async function pinnedVersion(name: string): Promise<string> {
  const text = await readFile(join(REPO_ROOT, 'tools', 'live', 'versions.env'), 'utf8');
  const match = new RegExp(`^${name}=(.+)$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`${name} is not in tools/live/versions.env`);
  return match[1].trim();
}

export interface PulumiWorkspace {
  /** The directory holding PULUMI_HOME, the backend's state and anything the caller puts there. */
  dir: string;
  /** Runs the Pulumi CLI in the cluster's network namespace, in `cwd` (a program directory). */
  pulumi(cwd: string, args: string[]): Promise<RunResult>;
  dispose(): Promise<void>;
}

export async function createPulumiWorkspace(clusterDir: string): Promise<PulumiWorkspace> {
  // Inside the cluster's state directory: stopping the cluster removes it too, also after an interrupted run
  // (the provider's copy in the plugin cache alone is 400 MB).
  const dir = await mkdtemp(join(clusterDir, 'pulumi-'));
  await mkdir(join(dir, 'state'));
  const passphrase = randomBytes(24).toString('base64url');
  const env = [
    `PULUMI_HOME=${join(dir, 'home')}`,
    `PULUMI_BACKEND_URL=file://${join(dir, 'state')}`,
    `PULUMI_CONFIG_PASSPHRASE=${passphrase}`,
    'PULUMI_SKIP_UPDATE_CHECK=true',
    'PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true',
    // Plugins come from this run's plugin cache; the language host, beside the CLI, is found there regardless.
    'PULUMI_IGNORE_AMBIENT_PLUGINS=true',
  ];
  const pulumi = (cwd: string, args: string[]) =>
    inCluster(clusterDir, ['env', ...env, 'pulumi', '--non-interactive', '--cwd', cwd, ...args]);

  const binDir = (await run('bash', [INSTALL_LIVE_TOOLS_SCRIPT, '--bin-dir'])).stdout.trim();
  const version = await pinnedVersion('PULUMI_KUBERNETES_PLUGIN_VERSION');
  const install = await pulumi(dir, [
    'plugin',
    'install',
    'resource',
    'kubernetes',
    version,
    '--file',
    join(binDir, 'pulumi-resource-kubernetes'),
  ]);
  if (install.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`pulumi plugin install (kubernetes ${version}) failed: ${install.stderr}`);
  }
  return { dir, pulumi, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A small program of the test's own in the workspace, in plain JavaScript (the language host runs it without a
 * TypeScript step) on the cluster layer's packages (the lockfile's @pulumi/pulumi and @pulumi/kubernetes), with its
 * stack `live` created. Returns its directory.
 */
export async function createProgram(
  workspace: PulumiWorkspace,
  name: string,
  source: string[],
): Promise<string> {
  const program = join(workspace.dir, name);
  await mkdir(program);
  await writeFile(join(program, 'Pulumi.yaml'), `name: ${name}\nruntime: nodejs\n`);
  await writeFile(join(program, 'package.json'), `${JSON.stringify({ name, private: true })}\n`);
  await writeFile(join(program, 'index.js'), [...source, ''].join('\n'));
  await symlink(join(REPO_ROOT, 'cluster', 'node_modules'), join(program, 'node_modules'));
  const init = await workspace.pulumi(program, ['stack', 'init', 'live']);
  if (init.code !== 0) throw new Error(`stack init of ${name} failed: ${init.stderr}`);
  return program;
}
