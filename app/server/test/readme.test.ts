import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

const root = join(import.meta.dirname, '../../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

// The README is what a newcomer runs; these keep its commands and names in step with the code.
describe('README for a newcomer', () => {
  it('runs FerretDB with flags the binary defines', () => {
    const main = readFileSync(join(root, 'tools/ferretdb/main.go'), 'utf8');
    const defined = [...main.matchAll(/flag\.\w+\("([a-z-]+)"/g)].map((m) => m[1]);
    const command = /^ferretdb (.+) &$/m.exec(readme)?.[1];
    expect(command).toBeDefined();
    for (const [, flag] of (command ?? '').matchAll(/--([a-z-]+)=/g)) expect(defined).toContain(flag);
  });

  it('documents every setting the server reads, and no other', () => {
    const table = readme.slice(readme.indexOf('### Configuration'), readme.indexOf('### Logs'));
    const documented = [...table.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]);
    const read = new Set<string>();
    const env = new Proxy({} as Record<string, string | undefined>, {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(env);
    read.delete('MONGODB_URI'); // documented with MONGO_URI as its alternative
    expect(documented.sort()).toEqual([...read].sort());
  });
});
