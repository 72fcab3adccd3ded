import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const pinned = readFileSync(path.join(root, '.node-version'), 'utf8').trim();

// The image runs the server on the release in .node-version; the tests are only evidence for it if they run on
// that release too, whatever Node.js the machine has system-wide.
describe('Node.js runtime', () => {
  it('runs the tests on the pinned release', () => {
    expect(process.version).toBe(`v${pinned}`);
  });

  it('gives scripts and the processes they start the pinned release as `node` on PATH', () => {
    expect(execFileSync('node', ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${pinned}`);
  });

  it('builds the image on the same release', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${pinned.replaceAll('.', '\\.')}-`, 'm'));
  });
});
