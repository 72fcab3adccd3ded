#!/usr/bin/env node
// Which layer stacks a push must update, from the files it changed: prints GitHub step outputs
//   mode=<workflow|deployments>  infra=<bool>  cluster=<bool>  app=<bool>  image=<bool>
// A layer updates when its own inputs or the shared ones changed, and every layer after one that updates follows
// it (it reads that layer's outputs): infra -> cluster -> app. `image` says whether the app image must be rebuilt.
// deployments/rollout.json holds the rollout mode and the inputs; it is the one place both are set.
//
// Usage: node scripts/changed-layers.mjs <base-commit> <head-commit>   (in the repository)
// An unknown base (a new branch, a force push: GitHub sends 000…0) updates every layer.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LAYERS = ['infra', 'cluster', 'app'];
const MODES = ['workflow', 'deployments'];

/** A glob of `**`, `*` and literal text as a RegExp over repository paths. */
export function globToRegExp(glob) {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of folders, including none; a trailing `**` anything below.
      pattern += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') {
      pattern += '[^/]*';
    } else {
      pattern += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${pattern}$`);
}

const matchesAny = (globs, file) => globs.some((glob) => globToRegExp(glob).test(file));

/** The layers to update and whether the image changes, for a list of changed paths (undefined: unknown). */
export function layersToUpdate(config, changed) {
  const relevant = changed?.filter((file) => !matchesAny(config.ignored, file));
  const own = Object.fromEntries(
    LAYERS.map((layer) => [
      layer,
      relevant === undefined ||
        relevant.some((file) => matchesAny(config.inputs[layer], file) || matchesAny(config.shared, file)),
    ]),
  );
  const result = {};
  let upstream = false;
  for (const layer of LAYERS) {
    upstream = upstream || own[layer];
    result[layer] = upstream;
  }
  return { ...result, image: own.app };
}

export function readConfig(file = new URL('../deployments/rollout.json', import.meta.url)) {
  const config = JSON.parse(readFileSync(file, 'utf8'));
  if (!MODES.includes(config.mode)) {
    throw new Error(
      `deployments/rollout.json: mode is ${JSON.stringify(config.mode)}, not one of ${MODES.join(', ')}`,
    );
  }
  return config;
}

function changedFiles(base, head) {
  if (!base || /^0+$/.test(base)) return undefined;
  try {
    const out = execFileSync('git', ['diff', '--name-only', '--no-renames', base, head], {
      encoding: 'utf8',
    });
    return out.split('\n').filter(Boolean);
  } catch {
    // The base is not in this clone (shallow history, a rewritten branch): treat every layer as changed.
    return undefined;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [base, head] = process.argv.slice(2);
  if (!head) {
    console.error('usage: node scripts/changed-layers.mjs <base-commit> <head-commit>');
    process.exit(2);
  }
  const config = readConfig();
  const changed = changedFiles(base, head);
  const update = layersToUpdate(config, changed);
  console.log(`mode=${config.mode}`);
  for (const [key, value] of Object.entries(update)) console.log(`${key}=${value}`);
  console.error(
    changed === undefined
      ? 'changed files unknown: every layer updates'
      : `${changed.length} changed file(s); update: ${LAYERS.filter((l) => update[l]).join(', ') || 'nothing'}`,
  );
}
