import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/mongo.js';
import { describeWithDb } from '../helpers.js';
import {
  DASHBOARD_FILE,
  findTool,
  IN_CI,
  JOB,
  missingToolMessage,
  NAMESPACE,
  type QueryResult,
  RULES_FILE,
  type RunningPrometheus,
  startPrometheus,
} from './prometheus.js';
import { isNumber, metricNames, operands, watched } from './promql.js';
import { emptyCounts, type Pods, startPods, type TrafficCounts, trafficRound } from './traffic.js';

/**
 * Every query of the CRM dashboard and every alert expression, sent to a real Prometheus that scrapes the real
 * service. A query that names a metric the service does not expose, or a label it does not carry, returns
 * nothing and fails here.
 */

const prometheusBinary = findTool('prometheus');
if (!prometheusBinary && !IN_CI) {
  console.warn(`\n${missingToolMessage('prometheus')}: the live telemetry suite is skipped.\n`);
}
const describeLive = prometheusBinary || IN_CI ? describeWithDb : describe.skip;

/**
 * kube-state-metrics series exist only in a cluster (no kube-state-metrics without a Kubernetes API). Queries on
 * them are checked to parse; that they then return nothing here is asserted too, so the list stays honest.
 */
const KUBE_STATE_METRICS = new Set([
  'kube_deployment_spec_replicas',
  'kube_deployment_status_replicas_ready',
  'kube_pod_container_status_restarts_total',
]);
const EXPECTED_CLUSTER_ONLY = [
  'panel "Ready pods" A',
  'panel "Ready pods" B',
  'panel "Container restarts" A',
  'alert CrmReadinessFailing',
  'alert CrmPodRestarting',
].sort();

/** Panels take their data source from the dashboard's `datasource` variable (Grafana's own syntax). */
const DATASOURCE_VARIABLE = ['$', '{datasource}'].join('');

/** Grafana's variables, resolved as the dashboard's defaults resolve them in the cluster. */
const VARIABLES: Record<string, string> = {
  namespace: NAMESPACE,
  job: JOB,
  // Prometheus scrapes every second here: one minute holds about sixty samples.
  __rate_interval: '1m',
  __range: '5m',
};

function substitute(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (match, braced?: string, bare?: string) => {
    const value = VARIABLES[(braced ?? bare) as string];
    if (value === undefined) throw new Error(`unknown dashboard variable ${match} in ${expr}`);
    return value;
  });
}

interface Panel {
  title: string;
  type: string;
  datasource?: { type?: string; uid?: string };
  targets?: Array<{ expr?: string; refId: string; datasource?: { type?: string; uid?: string } }>;
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  panels: Panel[];
  templating: {
    list: Array<{
      name: string;
      type: string;
      query: unknown;
      definition?: string;
      current?: { value?: string };
    }>;
  };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
const allPanels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);

interface Query {
  id: string;
  expr: string;
}

const dashboardQueries: Query[] = allPanels.flatMap((panel) =>
  (panel.targets ?? [])
    .filter((target) => target.expr)
    .map((target) => ({
      id: `panel "${panel.title}" ${target.refId}`,
      expr: substitute(target.expr as string),
    })),
);

const isClusterOnly = (expr: string) => {
  const names = metricNames(expr);
  return names.length > 0 && names.every((name) => KUBE_STATE_METRICS.has(name));
};

describe('CRM dashboard model', () => {
  it('uses panel types Grafana 12 renders, and a Prometheus data source chosen by variable', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(41);
    const current = new Set([
      'timeseries',
      'stat',
      'gauge',
      'table',
      'bargauge',
      'row',
      'text',
      'state-timeline',
    ]);
    expect(allPanels.filter((panel) => !current.has(panel.type)).map((panel) => panel.type)).toEqual([]);
    const datasource = dashboard.templating.list.find((variable) => variable.name === 'datasource');
    expect(datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of allPanels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: DATASOURCE_VARIABLE });
      for (const target of panel.targets ?? [])
        expect(target.datasource, panel.title).toEqual(panel.datasource);
    }
  });

  it('covers what the service must show', () => {
    const exprs = dashboardQueries.map((query) => query.expr).join('\n');
    for (const needle of [
      'sum by (route, status_code) (rate(http_request_duration_seconds_count',
      'status_code=~"5.."',
      'histogram_quantile(0.5,',
      'histogram_quantile(0.95,',
      'histogram_quantile(0.99,',
      'crm_persons_created_total',
      'crm_persons_updated_total',
      'crm_persons_deleted_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'kube_deployment_status_replicas_ready',
      'crm_mongodb_up',
    ]) {
      expect(exprs).toContain(needle);
    }
    expect(exprs).toMatch(
      /histogram_quantile\(0\.99, sum by \((route, )?le\) \(rate\(http_request_duration_seconds_bucket/,
    );
  });
});

interface RulesResponse {
  status: string;
  data: {
    groups: Array<{
      rules: Array<{
        type: string;
        name: string;
        query: string;
        health: string;
        lastError?: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
      }>;
    }>;
  };
}

describeLive('dashboard queries and alert expressions against live telemetry', () => {
  let pods: Pods | undefined;
  let prometheus: RunningPrometheus | undefined;
  const counts: TrafficCounts = emptyCounts();
  let exposed: Set<string>;

  const query = (expr: string): Promise<QueryResult> => prometheus!.query(expr);
  const series = async (expr: string) => (await query(expr)).data?.result ?? [];

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\n${prometheus?.output.join('')}`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  beforeAll(async () => {
    if (!prometheusBinary) throw new Error(`${missingToolMessage('prometheus')}; CI=true requires it`);
    pods = await startPods();
    // A third target where nothing listens: a pod that stopped answering, as Prometheus sees it.
    const gone = `127.0.0.1:${await freePort()}`;
    const address = (url: string) => new URL(url).host;
    prometheus = await startPrometheus(
      prometheusBinary,
      [
        { address: address(pods.healthy.url), labels: { namespace: NAMESPACE, pod: 'crm-app-healthy' } },
        { address: address(pods.noDatabase.url), labels: { namespace: NAMESPACE, pod: 'crm-app-no-db' } },
        { address: gone, labels: { namespace: NAMESPACE, pod: 'crm-app-gone' } },
      ],
      [RULES_FILE],
    );
    await waitFor(
      'the first scrape of both pods',
      async () => (await series(`up{job="${JOB}"} == 1`)).length === 2,
    );

    // Traffic spread over several scrapes, so that every rate() sees the counters move.
    for (let round = 0; round < 5; round++) {
      await trafficRound(pods, round, counts);
      await new Promise((done) => setTimeout(done, 700));
    }
    await waitFor('the last round in Prometheus', async () => {
      const [created] = await series(`sum(crm_persons_created_total{job="${JOB}"})`);
      return Number(created?.value[1]) === counts.created;
    });

    const text = await (await fetch(`${pods.healthy.url}/metrics`)).text();
    exposed = new Set(
      [...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{| )/gm)].map((match) => match[1] as string),
    );
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await pods?.stop();
  });

  it('scrapes both pods as job crm-app on /metrics and sees the third target down', async () => {
    const up = await series(`up{job="${JOB}"}`);
    expect(Object.fromEntries(up.map((s) => [s.metric.pod, s.value[1]]))).toEqual({
      'crm-app-healthy': '1',
      'crm-app-no-db': '1',
      'crm-app-gone': '0',
    });
    expect(counts.byStatus.get(503)).toBeGreaterThan(0);
    expect(
      [...counts.byStatus.keys()].filter((status) => status >= 400 && status < 500).length,
    ).toBeGreaterThan(0);
  });

  it('names only metrics the service exposes', () => {
    const ruleExprs = readFileSync(RULES_FILE, 'utf8');
    const names = new Set([
      ...dashboardQueries.flatMap((q) => metricNames(q.expr)),
      ...[...ruleExprs.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((match) => match[1] as string),
    ]);
    const foreign = [...names].filter(
      (name) => !exposed.has(name) && name !== 'up' && !KUBE_STATE_METRICS.has(name),
    );
    expect(foreign).toEqual([]);
    expect(names.size).toBeGreaterThan(10);
  });

  it('answers every dashboard query with series', async () => {
    const failures: string[] = [];
    let withSeries = 0;
    for (const { id, expr } of dashboardQueries.filter((q) => !isClusterOnly(q.expr))) {
      const result = await query(expr);
      if (result.status !== 'success') failures.push(`${id}: ${result.error}`);
      else if (!result.data?.result.length) failures.push(`${id}: no series for ${expr}`);
      else withSeries++;
    }
    expect(failures).toEqual([]);
    console.info(`dashboard: ${withSeries} of ${dashboardQueries.length} queries returned series`);
    expect(withSeries).toBeGreaterThan(15);
  });

  it('resolves the dashboard variables to their defaults', async () => {
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.definition ?? '');
      expect(match, variable.name).not.toBeNull();
      const values = (await series(substitute(match![1] as string))).map(
        (s) => s.metric[match![2] as string],
      );
      expect(values, variable.name).toContain(variable.current?.value);
    }
  });

  it('loads every alert rule and evaluates it without error', async () => {
    const rules = (await prometheus!.api<RulesResponse>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const rule of rules) {
      expect(rule.type, rule.name).toBe('alerting');
      expect([rule.name, rule.health, rule.lastError ?? '']).toEqual([rule.name, 'ok', '']);
      expect(rule.labels.severity, rule.name).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations.summary, rule.name).toBeTruthy();
      expect(rule.annotations.runbook, rule.name).toMatch(/1\. .+2\. /s);
    }
  });

  it('returns series for what every alert condition compares', async () => {
    const rules = (await prometheus!.api<RulesResponse>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
    const failures: string[] = [];
    let checked = 0;
    for (const rule of rules) {
      const whole = await query(rule.query);
      if (whole.status !== 'success') failures.push(`${rule.name}: ${whole.error}`);
      if (isClusterOnly(rule.query)) continue;
      // The condition without its threshold: `a / b > 0.05` is checked as `a / b`; absent(x) as x.
      for (const operand of operands(rule.query).filter((o) => !isNumber(o))) {
        const expr = watched(operand);
        const result = await query(expr);
        if (result.status !== 'success') failures.push(`${rule.name}: ${result.error} in ${expr}`);
        else if (!result.data?.result.length) failures.push(`${rule.name}: no series for ${expr}`);
        else checked++;
      }
    }
    expect(failures).toEqual([]);
    console.info(`alerts: ${checked} condition operands of ${rules.length} rules returned series`);
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('fires the error-ratio and target-down conditions on the real failures driven here', async () => {
    const rules = (await prometheus!.api<RulesResponse>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
    const expr = (name: string) => rules.find((rule) => rule.name === name)!.query;
    const [ratio] = await series(expr('CrmHighErrorRatio'));
    expect(Number(ratio?.value[1])).toBeGreaterThan(0.05);
    const down = await series(expr('CrmScrapeTargetDown'));
    expect(down.map((s) => s.metric.pod)).toEqual(['crm-app-gone']);
    // One pod still reaches MongoDB: the "no pod reaches MongoDB" condition must hold back.
    expect(await series(expr('CrmMongoDBUnreachable'))).toEqual([]);
    expect(await series(expr('CrmNoScrapeTargets'))).toEqual([]);

    // Rules are evaluated every second; the two alerts must reach "pending" (their `for` holds them there).
    const pending = async () =>
      (
        await prometheus!.api<{ data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }>(
          '/api/v1/alerts',
        )
      ).data.alerts
        .filter((alert) => alert.state === 'pending')
        .map((alert) => alert.labels.alertname);
    await waitFor('CrmHighErrorRatio and CrmScrapeTargetDown pending', async () => {
      const names = await pending();
      return names.includes('CrmHighErrorRatio') && names.includes('CrmScrapeTargetDown');
    });
    expect(await pending()).not.toContain('CrmMongoDBUnreachable');
  });

  it('parses the kube-state-metrics queries, which only a cluster can answer', async () => {
    const rules = (await prometheus!.api<RulesResponse>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
    const clusterOnly = [
      ...dashboardQueries.filter((q) => isClusterOnly(q.expr)),
      ...rules
        .filter((rule) => isClusterOnly(rule.query))
        .map((rule) => ({ id: `alert ${rule.name}`, expr: rule.query })),
    ];
    expect(clusterOnly.map((q) => q.id).sort()).toEqual(EXPECTED_CLUSTER_ONLY);
    for (const { id, expr } of clusterOnly) {
      const result = await query(expr);
      expect([id, result.status, result.error]).toEqual([id, 'success', undefined]);
      expect(result.data?.result, id).toEqual([]);
    }
  });
});
