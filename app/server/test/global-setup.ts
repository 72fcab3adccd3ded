import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type MongoServer, startMongo } from '../dev/mongo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the test MongoDB server, or null when none could be started (outside CI only). */
    mongoUri: string | null;
    mongoSource: string;
    /** The production bundle (what the image holds), built once per run for the process and E2E suites. */
    bundleDir: string;
  }
}

let server: MongoServer | undefined;
const bundleParent = mkdtempSync(join(tmpdir(), 'crm-bundle-'));

export async function setup(project: TestProject): Promise<void> {
  const bundleDir = join(bundleParent, 'server');
  execFileSync('bash', [resolve(import.meta.dirname, '../../../scripts/bundle-server.sh'), bundleDir], {
    stdio: 'ignore',
  });
  project.provide('bundleDir', bundleDir);

  try {
    server = await startMongo((line) => console.log(line));
    project.provide('mongoUri', server.uri);
    project.provide('mongoSource', server.source);
  } catch (error) {
    // In CI a missing database is a failure, never a quiet skip.
    if (process.env.CI === 'true') throw error;
    console.warn(`\n${(error as Error).message}\nDatabase-backed tests are skipped.\n`);
    project.provide('mongoUri', null);
    project.provide('mongoSource', 'none');
  }
}

export async function teardown(): Promise<void> {
  await server?.stop();
  rmSync(bundleParent, { recursive: true, force: true });
}
