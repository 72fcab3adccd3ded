import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packagedChartName, readChartYaml } from '../chartSources';
import { ConfigError, loadConfig } from '../config';
import { type ChartPin, charts } from '../versions';
import { findHelm, stubChart, tarChart, tempDir } from './charts';
import { EKS_CONFIG, release, releases, runCluster } from './harness';

const eks = { infraStack: 'example-org/cloudops-crm-infra/dev' };
const source = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
const withSources = (sources: Record<string, string>, more: Record<string, string> = {}) =>
  loadConfig(source({ ...eks, ...more, chartSources: JSON.stringify(sources) }));

function configError(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as Error;
  }
  throw new Error('expected a ConfigError');
}

/** A directory as `*` expects it: every pinned chart packaged as <chart>-<version>.tgz. */
let packaged: string;
/** One chart directory per pin (not packaged). */
let unpacked: string;

beforeAll(() => {
  packaged = tempDir('chart-sources-tgz-');
  unpacked = tempDir('chart-sources-dir-');
  const work = tempDir('chart-sources-work-');
  for (const pin of Object.values(charts)) {
    tarChart(stubChart(work, pin), packaged, pin.version);
    stubChart(unpacked, pin);
  }
});

describe('chartSources: where the upstream charts come from', () => {
  it('defaults to each chart’s public repository at its pin', () => {
    const config = loadConfig(source(eks));
    for (const [key, pin] of Object.entries(charts)) {
      expect(config.charts[key as keyof typeof charts]).toEqual({
        key,
        pin,
        source: { kind: 'repository', url: pin.repository },
      });
    }
  });

  it("takes every chart from <dir>/<chart>-<version>.tgz under '*'", () => {
    const config = withSources({ '*': packaged });
    for (const [key, pin] of Object.entries(charts)) {
      expect(config.charts[key as keyof typeof charts].source).toEqual({
        kind: 'local',
        path: path.join(packaged, packagedChartName(pin)),
      });
    }
  });

  it('lets a chart’s own entry win over *, and resolves relative paths against the project directory', () => {
    const relative = path.relative(path.resolve(__dirname, '..'), path.join(unpacked, 'fluentd'));
    const config = withSources({ '*': 'oci://registry.example.com:5000/mirror/', fluentd: relative });
    expect(config.charts.fluentd.source).toEqual({ kind: 'local', path: path.join(unpacked, 'fluentd') });
    expect(config.charts.eckOperator.source).toEqual({
      kind: 'oci',
      prefix: 'oci://registry.example.com:5000/mirror',
    });
  });

  it('accepts a chart repository mirror over https or http', () => {
    const config = withSources({
      kubePrometheusStack: 'https://charts.example.com/prometheus-community',
      metricsServer: 'http://chartmuseum.local:8080',
    });
    expect(config.charts.kubePrometheusStack.source).toEqual({
      kind: 'repository',
      url: 'https://charts.example.com/prometheus-community',
    });
    expect(config.charts.metricsServer.source).toEqual({
      kind: 'repository',
      url: 'http://chartmuseum.local:8080',
    });
    expect(config.charts.fluentd.source).toEqual({ kind: 'repository', url: charts.fluentd.repository });
  });

  it('checks local charts only for the charts the configuration installs', () => {
    // traefik is not installed (ingress-nginx is), so its missing archive does not matter.
    const dir = tempDir('chart-sources-partial-');
    for (const pin of Object.values(charts).filter((p) => p.chart !== 'traefik')) {
      fs.copyFileSync(path.join(packaged, packagedChartName(pin)), path.join(dir, packagedChartName(pin)));
    }
    expect(() => withSources({ '*': dir })).not.toThrow();
    const error = configError(() => withSources({ '*': dir }, { ingressController: 'traefik' }));
    expect(error.message).toContain("'cloudops-crm-cluster:chartSources'");
    expect(error.message).toContain(
      `chart 'traefik': ${path.join(dir, 'traefik-41.3.0.tgz')} does not exist`,
    );
  });

  it.each([
    [{ fluentbit: '/charts' }, "entry 'fluentbit': not a chart of this layer"],
    [
      { fluentd: 'ftp://charts.example.com' },
      "entry 'fluentd': 'ftp://charts.example.com' is not a chart directory",
    ],
    [{ '*': 'oci://' }, "entry '*': 'oci://' is not an OCI registry prefix"],
    [{ '*': 'oci://registry.example.com/with space' }, 'is not an OCI registry prefix'],
    [{ fluentd: '  ' }, "entry 'fluentd': empty"],
    [
      { fluentd: '/nonexistent/fluentd-0.6.0.tgz' },
      "chart 'fluentd': /nonexistent/fluentd-0.6.0.tgz does not exist",
    ],
  ])('rejects %j', (sources, problem) => {
    const error = configError(() => withSources(sources));
    expect(error.message).toContain("'cloudops-crm-cluster:chartSources'");
    expect(error.message).toContain(problem);
  });

  it('rejects a value that is not a map', () => {
    expect(configError(() => loadConfig(source({ ...eks, chartSources: '/charts' }))).message).toContain(
      "'cloudops-crm-cluster:chartSources'",
    );
    expect(configError(() => loadConfig(source({ ...eks, chartSources: '["/charts"]' }))).message).toContain(
      'must be a map of strings',
    );
  });

  it('refuses a local chart whose version differs from the pin, as a directory or a .tgz', () => {
    const work = tempDir('chart-sources-old-');
    const old = stubChart(work, { chart: 'fluentd', version: '0.5.2' });
    for (const value of [old, tarChart(old, work, '0.5.2')]) {
      const error = configError(() => withSources({ fluentd: value }));
      expect(error.message).toContain(
        `chart 'fluentd': ${value} holds fluentd 0.5.2, but versions.ts pins 0.6.0`,
      );
      expect(error.message).toContain('helm pull fluentd --version 0.6.0');
    }
  });

  it('refuses a local chart that is another chart, or no chart at all', () => {
    const error = configError(() => withSources({ fluentd: path.join(unpacked, 'eck-operator') }));
    expect(error.message).toContain("holds chart 'eck-operator', not 'fluentd'");
    const empty = tempDir('chart-sources-empty-');
    expect(configError(() => withSources({ fluentd: empty })).message).toContain('is not a Helm chart');
    const text = path.join(empty, 'fluentd.txt');
    fs.writeFileSync(text, 'not a chart');
    expect(configError(() => withSources({ fluentd: text })).message).toContain(
      'is not a Helm chart (neither a directory nor a .tgz)',
    );
  });
});

const helm = findHelm();
const inCi = process.env.CI === 'true';

describe.skipIf(!helm && !inCi)('charts packaged by helm itself', () => {
  it('reads Chart.yaml from a helm package archive as helm does', () => {
    const out = tempDir('chart-sources-helm-');
    const mongodb = path.resolve(__dirname, '..', 'charts', 'mongodb');
    execFileSync(helm as string, ['package', mongodb, '-d', out]);
    const archive = path.join(out, 'mongodb-1.0.0.tgz');
    const shown = execFileSync(helm as string, ['show', 'chart', archive], { encoding: 'utf8' });
    expect(readChartYaml(archive)).toMatch(/^version: 1\.0\.0$/m);
    expect(shown).toMatch(/^version: 1\.0\.0$/m);
  });

  it('accepts a helm-packaged chart at the pin and refuses one repackaged at another version', () => {
    const out = tempDir('chart-sources-helm-fluentd-');
    const dir = stubChart(tempDir('chart-sources-helm-work-'), charts.fluentd);
    execFileSync(helm as string, ['package', dir, '-d', out]);
    const pinned = path.join(out, packagedChartName(charts.fluentd));
    expect(withSources({ fluentd: pinned }).charts.fluentd.source).toEqual({ kind: 'local', path: pinned });
    // `helm package --version` rewrites Chart.yaml's version inside the archive.
    execFileSync(helm as string, ['package', dir, '-d', out, '--version', '0.6.1']);
    const other = path.join(out, 'fluentd-0.6.1.tgz');
    expect(configError(() => withSources({ fluentd: other })).message).toContain(
      'holds fluentd 0.6.1, but versions.ts pins 0.6.0',
    );
  });
});

describe('chart sources in the Helm releases', () => {
  it("installs every upstream chart from the '*' directory's archives, at the pin, without a repository", async () => {
    const run = await runCluster({ ...EKS_CONFIG, chartSources: JSON.stringify({ '*': packaged }) });
    const expected: Array<[string, ChartPin]> = [
      ['ingress-nginx', charts.ingressNginx],
      ['eck-operator', charts.eckOperator],
      ['fluentd', charts.fluentd],
      ['kube-prometheus-stack', charts.kubePrometheusStack],
      ['metrics-server', charts.metricsServer],
    ];
    for (const [name, pin] of expected) {
      const r = release(run, name);
      expect(r.inputs.chart, name).toBe(path.join(packaged, `${pin.chart}-${pin.version}.tgz`));
      expect(r.inputs.version, name).toBe(pin.version);
      expect(r.inputs.repositoryOpts, name).toBeUndefined();
    }
    // The repository's own chart is unaffected.
    expect(release(run, 'mongodb').inputs.chart).toBe(path.resolve(__dirname, '..', 'charts', 'mongodb'));
    // Nothing in the releases points at a public chart repository any more.
    for (const r of releases(run)) expect(JSON.stringify(r.inputs.repositoryOpts ?? null)).toBe('null');
  });

  it('installs a chart directory as it is', async () => {
    const dir = path.join(unpacked, 'traefik');
    const run = await runCluster({
      ...EKS_CONFIG,
      ingressController: 'traefik',
      chartSources: JSON.stringify({ traefik: dir }),
    });
    expect(release(run, 'traefik').inputs).toMatchObject({ chart: dir, version: '41.3.0' });
    expect(release(run, 'traefik').inputs.repositoryOpts).toBeUndefined();
  });

  it('pulls oci:// charts as <prefix>/<chart> at the pin, with no repositoryOpts (the provider would ignore it)', async () => {
    const run = await runCluster({
      ...EKS_CONFIG,
      chartSources: JSON.stringify({ '*': 'oci://registry.example.com/helm-mirror/' }),
    });
    const r = release(run, 'kube-prometheus-stack');
    expect(r.inputs.chart).toBe('oci://registry.example.com/helm-mirror/kube-prometheus-stack');
    expect(r.inputs.version).toBe('88.5.3');
    expect(r.inputs.repositoryOpts).toBeUndefined();
  });

  it('looks a chart up in a mirror repository by name and pin', async () => {
    const run = await runCluster({
      ...EKS_CONFIG,
      chartSources: JSON.stringify({ eckOperator: 'https://charts.internal.example/elastic' }),
    });
    expect(release(run, 'eck-operator').inputs).toMatchObject({
      chart: 'eck-operator',
      version: '3.5.0',
      repositoryOpts: { repo: 'https://charts.internal.example/elastic' },
    });
    // The others keep their public repository.
    expect(release(run, 'fluentd').inputs.repositoryOpts).toEqual({ repo: charts.fluentd.repository });
  });

  it('fails the program before any release when a local chart is not at the pin', async () => {
    const work = tempDir('chart-sources-run-');
    const old = tarChart(stubChart(work, { chart: 'metrics-server', version: '3.12.0' }), work, '3.12.0');
    await expect(
      runCluster({ ...EKS_CONFIG, chartSources: JSON.stringify({ metricsServer: old }) }),
    ).rejects.toThrow(/chartSources.*holds metrics-server 3\.12\.0, but versions\.ts pins 3\.13\.1/);
  });
});
