import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';

const source = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe('loadConfig', () => {
  it('defaults every stack to dev, the branch to main and the image environment to cloudops-crm/app-image', () => {
    expect(loadConfig(source({ repository: 'acme/crm' }), 'acme')).toEqual({
      organization: 'acme',
      repository: 'acme/crm',
      branch: 'main',
      stacks: { infra: 'dev', cluster: 'dev', app: 'dev' },
      imageEnvironment: { project: 'cloudops-crm', name: 'app-image' },
      oidcSessionDuration: '1h0m0s',
    });
  });

  it('names the key of a missing or malformed value', () => {
    expect(() => loadConfig(source({}), 'acme')).toThrow(/cloudops-crm-deployments:repository/);
    expect(() => loadConfig(source({ repository: 'https://github.com/acme/crm' }), 'acme')).toThrow(
      /cloudops-crm-deployments:repository/,
    );
    expect(() => loadConfig(source({ repository: 'acme/crm', branch: 'refs/heads/main' }), 'acme')).toThrow(
      /cloudops-crm-deployments:branch/,
    );
    expect(() => loadConfig(source({ repository: 'acme/crm', appStack: 'a/b' }), 'acme')).toThrow(
      /cloudops-crm-deployments:appStack/,
    );
    expect(() =>
      loadConfig(source({ repository: 'acme/crm', imageEnvironment: 'app-image' }), 'acme'),
    ).toThrow(/cloudops-crm-deployments:imageEnvironment/);
  });
});
