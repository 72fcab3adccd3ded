import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/mongo.js';
import { describeWithDb } from '../helpers.js';
import { type RunningKubeStateMetrics, startKubeStateMetrics } from './kube-state-metrics.js';
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
import { fallbackOperands, isNumber, metricNames, operands, watched, withoutFallbacks } from './promql.js';
import {
  DEPLOYMENT,
  emptyCounts,
  POD_NAMES,
  type Pods,
  REPLICA_SET,
  startPods,
  type TrafficCounts,
  trafficRound,
} from './traffic.js';

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
 * The kube_* series come from a stand-in for kube-state-metrics (./kube-state-metrics.ts): the real exporter
 * needs a Kubernetes API and there is none here. It is scraped the way kube-prometheus-stack scrapes the real
 * one: job "kube-state-metrics" (the ServiceMonitor's jobLabel, app.kubernetes.io/name) with `honorLabels: true`,
 * and the target labels the Prometheus Operator gives its pod in the monitoring namespace. Without honor_labels
 * those target labels would win, the series would read namespace="monitoring" and every kube_* query on
 * namespace "crm" would come back empty.
 */
const KSM_JOB = 'kube-state-metrics';
const KSM_SERVICE = 'kube-prometheus-stack-kube-state-metrics';
const KSM_POD = `${KSM_SERVICE}-7f8c9d6b5-x4m2q`;

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

/**
 * What must return series for an expression to be proven: the expression without its `or vector(0)` fallbacks,
 * and on its own each operand a fallback stands in for (the fallback would otherwise hide a selector that
 * matches nothing, say a misspelt label).
 */
const mustReturnSeries = (expr: string): string[] => [
  ...new Set([withoutFallbacks(expr), ...fallbackOperands(expr)]),
];

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
  let kubeStateMetrics: RunningKubeStateMetrics | undefined;
  let prometheus: RunningPrometheus | undefined;
  const counts: TrafficCounts = emptyCounts();
  let exposed: Set<string>;

  const query = (expr: string): Promise<QueryResult> => prometheus!.query(expr);
  const series = async (expr: string) => (await query(expr)).data?.result ?? [];

  /** One message per expression of `mustReturnSeries(expr)` that fails or returns nothing; none when proven. */
  async function unproven(id: string, expr: string): Promise<{ failures: string[]; proven: number }> {
    const failures: string[] = [];
    let proven = 0;
    for (const part of mustReturnSeries(expr)) {
      const result = await query(part);
      if (result.status !== 'success') failures.push(`${id}: ${result.error} in ${part}`);
      else if (!result.data?.result.length) failures.push(`${id}: no series for ${part}`);
      else proven++;
    }
    return { failures, proven };
  }

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
    kubeStateMetrics = await startKubeStateMetrics({
      namespace: NAMESPACE,
      deployment: DEPLOYMENT,
      replicaSet: REPLICA_SET,
      container: DEPLOYMENT,
      pods: [
        { name: POD_NAMES.healthy, url: pods.healthy.url },
        { name: POD_NAMES.noDatabase, url: pods.noDatabase.url },
        { name: POD_NAMES.gone, url: `http://${gone}` },
      ],
      // The Deployment's probes run every 5 s (readiness) and 10 s (liveness); compressed to fit the test.
      probeIntervalMs: 500,
    });
    prometheus = await startPrometheus(
      prometheusBinary,
      [
        {
          job: JOB,
          targets: [
            { address: address(pods.healthy.url), labels: { namespace: NAMESPACE, pod: POD_NAMES.healthy } },
            {
              address: address(pods.noDatabase.url),
              labels: { namespace: NAMESPACE, pod: POD_NAMES.noDatabase },
            },
            { address: gone, labels: { namespace: NAMESPACE, pod: POD_NAMES.gone } },
          ],
        },
        {
          job: KSM_JOB,
          honorLabels: true,
          targets: [
            {
              address: kubeStateMetrics.address,
              labels: {
                namespace: 'monitoring',
                service: KSM_SERVICE,
                pod: KSM_POD,
                container: 'kube-state-metrics',
                endpoint: 'http',
              },
            },
          ],
        },
      ],
      [RULES_FILE],
    );
    await waitFor(
      'the first scrape of both pods and of kube-state-metrics',
      async () =>
        (await series(`up{job="${JOB}"} == 1`)).length === 2 &&
        (await series(`up{job="${KSM_JOB}"} == 1`)).length === 1,
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
    await kubeStateMetrics?.stop();
    await pods?.stop();
  });

  it('scrapes both pods as job crm-app on /metrics and sees the third target down', async () => {
    const up = await series(`up{job="${JOB}"}`);
    expect(Object.fromEntries(up.map((s) => [s.metric.pod, s.value[1]]))).toEqual({
      [POD_NAMES.healthy]: '1',
      [POD_NAMES.noDatabase]: '1',
      [POD_NAMES.gone]: '0',
    });
    expect(counts.byStatus.get(503)).toBeGreaterThan(0);
    expect(
      [...counts.byStatus.keys()].filter((status) => status >= 400 && status < 500).length,
    ).toBeGreaterThan(0);
  });

  it('names only metrics the service or kube-state-metrics exposes', () => {
    const ruleExprs = readFileSync(RULES_FILE, 'utf8');
    const names = new Set([
      ...dashboardQueries.flatMap((q) => metricNames(q.expr)),
      ...[...ruleExprs.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((match) => match[1] as string),
    ]);
    const kubeNames = new Set(
      [...kubeStateMetrics!.exposition().matchAll(/^(kube_\w+)\{/gm)].map((match) => match[1] as string),
    );
    const foreign = [...names].filter((name) => !exposed.has(name) && !kubeNames.has(name) && name !== 'up');
    expect(foreign).toEqual([]);
    expect(names.size).toBeGreaterThan(10);
    expect([...names].filter((name) => kubeNames.has(name)).sort()).toEqual([
      'kube_deployment_spec_replicas',
      'kube_deployment_status_replicas_ready',
      'kube_pod_container_status_restarts_total',
    ]);
  });

  it('answers every dashboard query with series, and each operand behind an `or vector(0)` too', async () => {
    const failures: string[] = [];
    let withSeries = 0;
    let fallbackOperandsProven = 0;
    for (const { id, expr } of dashboardQueries) {
      const result = await unproven(id, expr);
      failures.push(...result.failures);
      if (result.failures.length === 0) {
        withSeries++;
        fallbackOperandsProven += fallbackOperands(expr).length;
      }
    }
    expect(failures).toEqual([]);
    console.info(
      `dashboard: ${withSeries} of ${dashboardQueries.length} queries returned series ` +
        `(${fallbackOperandsProven} operands behind a vector(0) fallback checked on their own)`,
    );
    expect(withSeries).toBe(dashboardQueries.length);
    // Both error-ratio panels guard their 5xx rate with a fallback.
    expect(fallbackOperandsProven).toBeGreaterThanOrEqual(2);
  });

  it('fails a query whose misspelt label a vector(0) fallback would hide', async () => {
    const ratio = dashboardQueries.find((q) => q.id === 'panel "Error ratio (5xx)" A')!.expr;
    const misspelt = ratio.replace('status_code=~"5.."', 'statuscode=~"5.."');
    expect(misspelt).not.toBe(ratio);
    // As written, the query still answers (0 / all): the misspelling would go unnoticed.
    expect(await series(misspelt)).toHaveLength(1);
    const [errorsOperand] = fallbackOperands(misspelt);
    expect(errorsOperand).toContain('statuscode=~"5.."');
    expect((await unproven('misspelt', misspelt)).failures).toEqual([
      `misspelt: no series for ${withoutFallbacks(misspelt)}`,
      `misspelt: no series for ${errorsOperand}`,
    ]);
    // The correct spelling returns the driven 5xx.
    const [errors] = await series(fallbackOperands(ratio)[0] as string);
    expect(Number(errors?.value[1])).toBeGreaterThan(0);
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
      // The condition without its threshold: `a / b > 0.05` is checked as `a / b`; absent(x) as x.
      for (const operand of operands(rule.query).filter((o) => !isNumber(o))) {
        const result = await unproven(rule.name, watched(operand));
        failures.push(...result.failures);
        checked += result.proven;
      }
    }
    expect(failures).toEqual([]);
    console.info(`alerts: ${checked} condition operands of ${rules.length} rules returned series`);
    expect(checked).toBeGreaterThanOrEqual(rules.length);
  });

  it('fires the error-ratio and target-down conditions on the real failures driven here', async () => {
    const rules = (await prometheus!.api<RulesResponse>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
    const expr = (name: string) => rules.find((rule) => rule.name === name)!.query;
    const [ratio] = await series(expr('CrmHighErrorRatio'));
    expect(Number(ratio?.value[1])).toBeGreaterThan(0.05);
    const down = await series(expr('CrmScrapeTargetDown'));
    expect(down.map((s) => s.metric.pod)).toEqual([POD_NAMES.gone]);
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

  it('reads the kube-state-metrics series with their own namespace and pod (honor_labels)', async () => {
    const [desired] = await series(`kube_deployment_spec_replicas{deployment="${DEPLOYMENT}"}`);
    // Deployment series carry no pod label: the exporter pod's target label fills it in, as in the cluster.
    expect(desired?.metric).toMatchObject({
      job: KSM_JOB,
      namespace: NAMESPACE,
      deployment: DEPLOYMENT,
      service: KSM_SERVICE,
      pod: KSM_POD,
    });
    const restarts = await series(`kube_pod_container_status_restarts_total{namespace="${NAMESPACE}"}`);
    expect(restarts.map((s) => [s.metric.pod, s.metric.container]).sort()).toEqual(
      Object.values(POD_NAMES)
        .map((pod) => [pod, DEPLOYMENT])
        .sort(),
    );
    // Same pod names in both jobs: the app's series join kube-state-metrics' on (namespace, pod).
    const joined = await series(
      `crm_mongodb_up{job="${JOB}"} * on (namespace, pod) group_left kube_pod_status_ready{condition="true"}`,
    );
    expect(Object.fromEntries(joined.map((s) => [s.metric.pod, s.value[1]]))).toEqual({
      [POD_NAMES.healthy]: '1',
      [POD_NAMES.noDatabase]: '0',
    });
  });

  it("reports readiness and restarts from the pods' real probe answers", async () => {
    const rules = (await prometheus!.api<RulesResponse>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
    const expr = (name: string) => rules.find((rule) => rule.name === name)!.query;
    // Three pods desired; only the one that reaches MongoDB passes /ready.
    const [notReady] = await series(expr('CrmReadinessFailing'));
    expect(notReady?.value[1]).toBe('2');
    const ready = await series(`kube_pod_status_ready{namespace="${NAMESPACE}", condition="true"} == 1`);
    expect(ready.map((s) => s.metric.pod)).toEqual([POD_NAMES.healthy]);
    // Only the pod that stopped answering /health is restarted, and often enough to fire the alert.
    await waitFor('CrmPodRestarting to hold for the pod that stopped answering', async () =>
      (await series(expr('CrmPodRestarting'))).some((s) => s.metric.pod === POD_NAMES.gone),
    );
    const restarting = await series(expr('CrmPodRestarting'));
    expect(restarting.map((s) => s.metric.pod)).toEqual([POD_NAMES.gone]);
  });
});
