/**
 * GeneratedSecret (lib/generated-secret) under the real engine: its dynamic provider runs through the
 * pulumi-resource-pulumi-nodejs plugin the live tools install beside the CLI (tools/live/dynamic-provider), found
 * there although the workspace ignores ambient plugins. The value is made once, the state holds it only as
 * ciphertext, and a second update keeps it without a change or a warning.
 *
 * The value never goes into an assertion message: a failure must not print it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from './cluster.js';
import { createProgram, createPulumiWorkspace, type PulumiWorkspace } from './pulumi.js';

const dir = inject('liveClusterDir');
const skipReason = inject('liveSkipReason');

const SECRET_SIG_KEY = '4dabf18193072939515e22adb298388d';
const LENGTH = 32;

interface ExportedResource {
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

describe.skipIf(skipReason !== '')(
  skipReason
    ? `GeneratedSecret under the real engine (skipped: ${skipReason})`
    : 'GeneratedSecret under the real engine',
  () => {
    let workspace: PulumiWorkspace | undefined;
    let program = '';
    let first = '';
    const pulumi = (args: string[]) => workspace!.pulumi(program, args);
    const secretValue = async () => {
      const shown = await pulumi(['stack', 'output', 'secretValue', '--show-secrets']);
      expect(shown.code, shown.stderr).toBe(0);
      return shown.stdout.trim();
    };

    beforeAll(async () => {
      workspace = await createPulumiWorkspace(dir);
      // Plain JavaScript loading the library's TypeScript by path, as the language host compiles it for the
      // layers' programs.
      const library = join(REPO_ROOT, 'lib', 'generated-secret', 'index.ts');
      // The cluster layer's packages, among them the @pulumi/pulumi whose dynamic provider the plugin starts.
      program = await createProgram(workspace, 'live-generated-secret', [
        `const { GeneratedSecret } = require(${JSON.stringify(library)});`,
        `const secret = new GeneratedSecret('live', { length: ${LENGTH} });`,
        'exports.secretValue = secret.value;',
      ]);
    });
    afterAll(async () => {
      await workspace?.dispose();
    });

    it('creates the value through the dynamic provider plugin, without a warning', async () => {
      const up = await pulumi(['up', '--yes', '--skip-preview']);
      const output = `${up.stdout}\n${up.stderr}`;
      expect(up.code, output).toBe(0);
      expect(output).toMatch(/\+ {2}pulumi-nodejs:dynamic:Resource live created/);
      expect(output).not.toMatch(/warning/i);
      first = await secretValue();
      expect(first.length).toBe(LENGTH);
      expect(/^[A-Za-z0-9]+$/.test(first), 'the value is alphanumeric').toBe(true);
      expect(output.includes(first), 'the update printed the value').toBe(false);
    });

    it('keeps the value in the state only as ciphertext', async () => {
      expect(first, 'the value was created').not.toBe('');
      const exported = await pulumi(['stack', 'export']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout.includes(first), 'the state holds the value in plain text').toBe(false);
      const resources: ExportedResource[] = JSON.parse(exported.stdout).deployment.resources;
      const secret = resources.find((r) => r.type === 'pulumi-nodejs:dynamic:Resource');
      expect(secret?.inputs).toMatchObject({ length: LENGTH });
      expect(secret?.inputs).not.toHaveProperty('value');
      expect(secret?.outputs?.value).toMatchObject({ [SECRET_SIG_KEY]: expect.any(String) });
      expect(secret?.outputs?.value).toHaveProperty('ciphertext');
    });

    it('keeps the same value on the next update, which changes nothing and warns of nothing', async () => {
      expect(first, 'the value was created').not.toBe('');
      const up = await pulumi(['up', '--yes', '--skip-preview']);
      const output = `${up.stdout}\n${up.stderr}`;
      expect(up.code, output).toBe(0);
      expect(output).toMatch(/^\s*2 unchanged\s*$/m);
      expect(output).not.toMatch(/warning/i);
      expect((await secretValue()) === first, 'the second update kept the value').toBe(true);

      const preview = await pulumi(['preview', '--expect-no-changes']);
      expect(preview.code, `${preview.stdout}\n${preview.stderr}`).toBe(0);
    });
  },
);
