import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..', '..');

describe('root Pulumi.yaml', () => {
  const project = readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8');

  it('is the Deployments project, a pnpm Node.js program living in deployments/', () => {
    expect(project).toMatch(/^name: cloudops-crm-deployments$/m);
    expect(project).toMatch(/^runtime:\n {2}name: nodejs\n {2}options:\n {4}packagemanager: pnpm$/m);
    expect(project).toMatch(/^main: deployments\/$/m);
  });

  it('points at a folder whose package entry point exists', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'deployments', 'package.json'), 'utf8')) as {
      main: string;
    };
    expect(() => readFileSync(path.join(root, 'deployments', pkg.main))).not.toThrow();
  });
});
