import { one, resolveOutput, unwrapSecrets } from '@cloudops-crm/pulumi-testing';
import { describe, expect, it } from 'vitest';
import { clusterOutputs, clusterStack, existingImage, infraStack, runApp } from './harness';
import { validators } from './kubernetesModels';

const config = { infraStack, clusterStack, image: existingImage };
type EnvVar = { name: string; value?: string };
const env = (run: Awaited<ReturnType<typeof runApp>>) =>
  one(run.resources, 'kubernetes:apps/v1:Deployment').raw.spec.template.spec.containers[0].env as EnvVar[];

describe('HSTS follows the public endpoint', () => {
  it('is switched on with a one-year max-age when the cluster layer serves https', async () => {
    const run = await runApp(config, { ...clusterOutputs, crmUrl: 'https://crm.example.com/' });
    expect(env(run).filter((e) => e.name === 'HSTS_MAX_AGE')).toEqual([
      { name: 'HSTS_MAX_AGE', value: '31536000' },
    ]);
    // Everything else the server reads is still there.
    expect(env(run).map((e) => e.name)).toEqual(
      expect.arrayContaining(['TRUST_PROXY_HOPS', 'MONGO_URI', 'API_KEYS']),
    );
    expect(await resolveOutput(run.program.healthUrl)).toBe('https://crm.example.com/health');
    const deployment = unwrapSecrets(one(run.resources, 'kubernetes:apps/v1:Deployment').raw);
    expect(() => validators['kubernetes:apps/v1:Deployment']!(deployment)).not.toThrow();
  });

  it('stays off over plain HTTP, leaving the Deployment as before', async () => {
    const run = await runApp(config);
    expect(env(run).map((e) => e.name)).not.toContain('HSTS_MAX_AGE');
  });
});
