import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preRunCommands } from '../preRun';

const exec = promisify(execFile);
const repositoryRoot = path.resolve(__dirname, '..', '..');
const COREPACK_VERSION = '0.36.0';

/**
 * Runs the exact pre-run commands the Deployment Settings register, the way the runner would: in a layer folder
 * of a git checkout, on a PATH whose global bin directory already holds corepack's `pnpm` link (the state of
 * Pulumi's runner image, which enables corepack). fnm, which manages Node.js there, is stood in for by a script
 * that records its arguments: installing a Node.js release needs nodejs.org.
 */
describe('Deployments pre-run commands on a runner where corepack is enabled', () => {
  let scratch: string;
  let env: NodeJS.ProcessEnv;
  let checkout: string;
  let root: { packageManager: string };

  const shell = (command: string, cwd = path.join(checkout, 'infra')) =>
    exec('bash', ['-c', command], { cwd, env, encoding: 'utf8' });

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'crm-prerun-'));
    const prefix = path.join(scratch, 'global');
    const bin = path.join(prefix, 'bin');
    // The machine's environment (proxy and CA settings) without what the pnpm running this suite set for it.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|PNPM_)/i.test(key)),
    );
    env = {
      ...inherited,
      HOME: scratch,
      PATH: [bin, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
      COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
      // Kept between runs: corepack downloads pnpm (~50 MB) once.
      COREPACK_HOME: path.join(repositoryRoot, 'node_modules', '.cache', 'corepack'),
      // The package registry this suite reaches re-publishes packages without npm's signatures; Pulumi's runner
      // reaches the public registry, where pnpm's binary is verified against npm's keys as usual.
      COREPACK_INTEGRITY_KEYS: '0',
      npm_config_cache: path.join(scratch, 'npm-cache'),
      // npm's global directory is where corepack put its links, as on the runner.
      npm_config_prefix: prefix,
    };
    await exec('npm', ['install', '--global', `corepack@${COREPACK_VERSION}`], { env });
    await exec(path.join(bin, 'corepack'), ['enable', '--install-directory', bin], { env });
    await writeFile(path.join(bin, 'fnm'), `#!/bin/sh\necho "$*" >> "${path.join(scratch, 'fnm.log')}"\n`);
    await chmod(path.join(bin, 'fnm'), 0o755);

    checkout = path.join(scratch, 'checkout');
    await mkdir(path.join(checkout, 'infra'), { recursive: true });
    root = JSON.parse(await readFile(path.join(repositoryRoot, 'package.json'), 'utf8'));
    await writeFile(
      path.join(checkout, 'package.json'),
      JSON.stringify({ name: 'checkout', private: true, packageManager: root.packageManager }),
    );
    // The repository's lockfile opens with the document that pins pnpm itself (packageManagerDependencies),
    // which a frozen install checks against `packageManager`; the workspace's own packages are left out.
    const lockfile = await readFile(path.join(repositoryRoot, 'pnpm-lock.yaml'), 'utf8');
    const packageManagerDocument = lockfile.slice(0, lockfile.indexOf('\n---\n') + 1);
    expect(packageManagerDocument).toContain('packageManagerDependencies');
    await writeFile(
      path.join(checkout, 'pnpm-lock.yaml'),
      `${packageManagerDocument}---\nlockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n`,
    );
    await writeFile(
      path.join(checkout, '.node-version'),
      await readFile(path.join(repositoryRoot, '.node-version'), 'utf8'),
    );
    await exec('git', ['init', '--quiet', checkout]);
  }, 600_000);

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('starts from a global bin directory where pnpm is corepack’s link', async () => {
    const { stdout } = await shell('readlink "$(command -v pnpm)"');
    expect(stdout).toContain('corepack');
  });

  it('runs every command, pins Node.js from .node-version and leaves the pinned pnpm on PATH', async () => {
    for (const command of preRunCommands()) {
      await shell(command);
    }
    const pinnedNode = (await readFile(path.join(repositoryRoot, '.node-version'), 'utf8')).trim();
    const fnmCalls = (await readFile(path.join(scratch, 'fnm.log'), 'utf8')).trim().split('\n');
    expect(fnmCalls).toEqual([`install ${pinnedNode}`, `default ${pinnedNode}`]);

    const { stdout } = await shell('pnpm --version');
    expect(`pnpm@${stdout.trim()}`).toBe(root.packageManager);
  }, 600_000);
});
