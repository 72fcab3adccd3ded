import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RecordedResource, startMocks } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { OBSERVABILITY_DIR, ObservabilityContent } from '../observability/content';
import { validateObject } from './schemas';

const FIXTURES = path.join(__dirname, 'fixtures', 'observability');

let recorded: RecordedResource[];
let fixture: ObservabilityContent;
beforeAll(async () => {
  ({ resources: recorded } = await startMocks({ project: 'cloudops-crm-cluster', stack: 'dev' }));
  fixture = new ObservabilityContent('fixture', {
    dir: FIXTURES,
    namespace: 'monitoring',
    dashboardLabel: 'grafana_dashboard',
    dependsOn: [],
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
});

describe('observability content from files', () => {
  it('loads every dashboard and rule file kept in cluster/observability', () => {
    const count = (dir: string, extensions: string[]) => {
      const full = path.join(OBSERVABILITY_DIR, dir);
      return fs.existsSync(full)
        ? fs.readdirSync(full).filter((f) => extensions.includes(path.extname(f))).length
        : 0;
    };
    const content = new ObservabilityContent('repository', {
      dir: OBSERVABILITY_DIR,
      namespace: 'monitoring',
      dashboardLabel: 'grafana_dashboard',
      dependsOn: [],
    });
    expect(content.dashboards).toHaveLength(count('dashboards', ['.json']));
    expect(content.rules).toHaveLength(count('rules', ['.yaml', '.yml']));
  });

  it('turns dashboards/*.json into ConfigMaps the Grafana sidecar loads', () => {
    expect(fixture.dashboards).toHaveLength(1);
    const configMap = recorded.find((r) => r.name === 'fixture-dashboard-fixture-panel')!.inputs;
    expect(configMap.metadata).toMatchObject({
      name: 'dashboard-fixture-panel',
      namespace: 'monitoring',
      labels: { grafana_dashboard: '1' },
    });
    expect(JSON.parse(configMap.data['Fixture_Panel.json']).uid).toBe('fixture-panel');
    expect(() => validateObject(configMap)).not.toThrow();
  });

  it('turns rules/*.yaml into PrometheusRules', () => {
    expect(fixture.rules).toHaveLength(1);
    const rule = recorded.find((r) => r.name === 'fixture-rules-fixture-rules')!.inputs;
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata).toMatchObject({ name: 'fixture-rules', namespace: 'monitoring' });
    expect(rule.spec.groups[0].rules[0].alert).toBe('FixtureTargetDown');
    expect(() => validateObject(rule)).not.toThrow();
  });
});
