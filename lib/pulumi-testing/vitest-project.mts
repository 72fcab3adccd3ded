import type { TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The test settings every Pulumi program's project shares (infra, cluster, app/deploy, deployments, policy).
 *
 * What costs time in these suites is not the programs (well under a second a run under mocks) but loading the
 * provider SDKs: @pulumi/aws and @pulumi/kubernetes are thousands of files each. With a fresh process per test
 * file that load is paid once per file; on a laptop that is also compiling something else (disk and page-cache
 * pressure) one load took 95 s and hooks timed out. So:
 * - forks: the Pulumi runtime keeps its state in the process (one `setMocks` at a time), so no threads;
 * - isolate off: the files of a project take turns in the same worker and load each SDK once. `runProgram`
 *   resets the module registry before each run, so every run still imports a fresh program;
 * - hooks may take minutes: the first program run in a worker is the one that loads the SDKs (≈ 2 s idle,
 *   measured up to 95 s under load). Tests themselves only read the recording, so they keep a tighter bound.
 */
export function pulumiTestProject(name: string, root: string): TestProjectInlineConfiguration {
  return {
    test: {
      name,
      root,
      include: ['test/**/*.test.ts'],
      environment: 'node',
      pool: 'forks',
      isolate: false,
      hookTimeout: 300_000,
      testTimeout: 120_000,
      // Environment changes (vi.stubEnv) would otherwise leak into the next file of the shared worker.
      unstubEnvs: true,
    },
  };
}
