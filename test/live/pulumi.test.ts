/**
 * The Pulumi toolchain the live tools build works as one, against the live cluster: the CLI at the lockfile's SDK
 * version, the Node.js language host running the lockfile's @pulumi/pulumi, and the Kubernetes provider plugin
 * (pulumi.ts). No plugin is downloaded: automatic acquisition is off, and the namespace reaches no registry.
 * The engine must not warn, in particular not that the provider is older than @pulumi/kubernetes expects, and it
 * evaluates the repository's CrossGuard policy pack (`--policy-pack policy`) through the language host.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubectl, REPO_ROOT } from './cluster.js';
import { createProgram, createPulumiWorkspace, type PulumiWorkspace } from './pulumi.js';

const dir = inject('liveClusterDir');
const skipReason = inject('liveSkipReason');

describe.skipIf(skipReason !== '')(
  skipReason ? `Pulumi on the live cluster (skipped: ${skipReason})` : 'Pulumi on the live cluster',
  () => {
    let workspace: PulumiWorkspace | undefined;
    let program = '';
    const name = `pulumi-smoke-${randomBytes(3).toString('hex')}`;
    const pulumi = (args: string[]) => workspace!.pulumi(program, args);

    beforeAll(async () => {
      workspace = await createPulumiWorkspace(dir);
      program = await createProgram(workspace, 'live-smoke', [
        "const k8s = require('@pulumi/kubernetes');",
        `const map = new k8s.core.v1.ConfigMap('smoke', { metadata: { name: '${name}', namespace: 'default' }, data: { layer: 'live' } });`,
        'exports.name = map.metadata.name;',
      ]);
    });
    afterAll(async () => {
      await workspace?.dispose();
    });

    it('refuses a root container with a floating image tag (mandatory policies, evaluated by the engine)', async () => {
      const violating = await createProgram(workspace!, 'live-violating', [
        "const k8s = require('@pulumi/kubernetes');",
        "new k8s.apps.v1.Deployment('root', { metadata: { namespace: 'default' }, spec: { selector: { matchLabels: { app: 'root' } }, template: { metadata: { labels: { app: 'root' } }, spec: { containers: [{ name: 'web', image: 'nginx:latest' }] } } } });",
      ]);
      const preview = await workspace!.pulumi(violating, [
        'preview',
        '--policy-pack',
        join(REPO_ROOT, 'policy'),
      ]);
      const output = `${preview.stdout}\n${preview.stderr}`;
      expect(preview.code, output).not.toBe(0);
      expect(output).toContain('[mandatory]  containers-non-root');
      expect(output).toContain('[mandatory]  images-pinned');
      const deployments = await kubectl(dir, ['-n', 'default', 'get', 'deployments', '-o', 'name']);
      expect(deployments.stdout).not.toContain('root');
    });

    it('evaluates the repository’s policy pack in the real engine: a compliant program passes', async () => {
      const preview = await pulumi(['preview', '--policy-pack', join(REPO_ROOT, 'policy')]);
      const output = `${preview.stdout}\n${preview.stderr}`;
      expect(preview.code, output).toBe(0);
      expect(output).toMatch(/✅ cloudops-crm@v\d+\.\d+\.\d+/);
      expect(output).not.toMatch(/warning/i);
    });

    it('creates a ConfigMap through the real engine and provider, without a warning, and destroys it', async () => {
      const up = await pulumi(['up', '--yes', '--skip-preview']);
      const upOutput = `${up.stdout}\n${up.stderr}`;
      expect(up.code, upOutput).toBe(0);
      expect(upOutput).not.toMatch(/warning/i);
      const created = await kubectl(dir, [
        '-n',
        'default',
        'get',
        'configmap',
        name,
        '-o',
        'jsonpath={.data.layer}',
      ]);
      expect(created.stdout).toBe('live');

      const destroy = await pulumi(['destroy', '--yes', '--skip-preview']);
      expect(destroy.code, `${destroy.stdout}\n${destroy.stderr}`).toBe(0);
      const gone = await kubectl(dir, ['-n', 'default', 'get', 'configmap', name]);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain('NotFound');
    });
  },
);
