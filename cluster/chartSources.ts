import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConfigError } from '@cloudops-crm/stack-config';
import { parse } from 'yaml';
import { type ChartPin, charts } from './versions';

/**
 * Where each upstream chart is installed from. By default the chart's public repository (versions.ts); the
 * `chartSources` setting points one chart, or every chart at once (`*`), elsewhere: a chart on disk, a mirror of
 * the chart repository, or an OCI registry. The version installed is always the pin in versions.ts.
 *
 * How pulumi-kubernetes' Release resolves `chart` (provider/pkg/provider/helm_release.go, locateChart and
 * resolveChartName): without `repositoryOpts.repo` an existing path (a directory holding Chart.yaml, or an archive)
 * is loaded as it is, whatever `version` says; an `oci://` reference is pulled from the registry at `version`
 * (a `repositoryOpts.repo` next to it would be ignored); any other name is looked up in `repositoryOpts.repo`'s
 * index.yaml at `version`.
 */

export type ChartKey = keyof typeof charts;
export const CHART_KEYS = Object.keys(charts) as ChartKey[];
/** The `chartSources` entry that applies to every chart without an entry of its own. */
export const ALL_CHARTS = '*';

export type ChartSource =
  /** A Helm chart repository (index.yaml): the upstream one, or a mirror over http(s). */
  | { kind: 'repository'; url: string }
  /** An OCI registry prefix: the chart is `<prefix>/<chart name>`. */
  | { kind: 'oci'; prefix: string }
  /** A chart on this machine: a directory holding Chart.yaml, or a packaged `.tgz`. Absolute. */
  | { kind: 'local'; path: string };

/** One chart to install: its pin (name and version) and where it comes from. */
export interface ChartRef {
  key: ChartKey;
  pin: ChartPin;
  source: ChartSource;
}

const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const EXPECTED =
  'a chart directory or .tgz path, an http(s):// chart repository URL, or an oci:// registry prefix';

/** The file name `helm pull --version` and `helm package` give a chart: what a `*` directory must hold. */
export const packagedChartName = (pin: ChartPin) => `${pin.chart}-${pin.version}.tgz`;

type Fail = (problem: string) => never;

function parseSource(value: string, baseDir: string, fail: Fail): ChartSource {
  if (value.startsWith('oci://')) {
    const prefix = value.replace(/\/+$/, '');
    if (!/^oci:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._-]+)*$/.test(prefix)) {
      fail(`'${value}' is not an OCI registry prefix such as oci://registry.example.com/helm-charts`);
    }
    return { kind: 'oci', prefix };
  }
  if (URL_SCHEME.test(value)) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
      fail(`'${value}' is not ${EXPECTED}`);
    }
    return { kind: 'repository', url: value };
  }
  return { kind: 'local', path: path.resolve(baseDir, value) };
}

/** The `chartSources` map, checked: known keys only, and each value one of the three forms. */
export function parseChartSources(
  entries: Record<string, string>,
  baseDir: string,
  fail: (key: string, problem: string) => never,
): Partial<Record<ChartKey | typeof ALL_CHARTS, ChartSource>> {
  const sources: Partial<Record<ChartKey | typeof ALL_CHARTS, ChartSource>> = {};
  for (const [key, raw] of Object.entries(entries)) {
    if (key !== ALL_CHARTS && !(CHART_KEYS as string[]).includes(key)) {
      const known = [...CHART_KEYS, ALL_CHARTS].map((k) => `'${k}'`).join(', ');
      fail(key, `not a chart of this layer (expected one of ${known})`);
    }
    const value = raw.trim();
    if (value === '') fail(key, `empty (expected ${EXPECTED})`);
    sources[key as ChartKey] = parseSource(value, baseDir, (problem) => fail(key, problem));
  }
  return sources;
}

/**
 * Where `key`'s chart comes from: its own entry, else the `*` entry, else the public repository. Under `*` a
 * local directory is a directory of packaged charts, `<chart>-<version>.tgz` each; a repository or OCI prefix
 * serves every chart by name.
 */
export function chartRef(key: ChartKey, sources: Partial<Record<string, ChartSource>>): ChartRef {
  const pin: ChartPin = charts[key];
  const own = sources[key];
  if (own) return { key, pin, source: own };
  const all = sources[ALL_CHARTS];
  if (!all) return { key, pin, source: { kind: 'repository', url: pin.repository } };
  if (all.kind === 'local')
    return { key, pin, source: { kind: 'local', path: path.join(all.path, packagedChartName(pin)) } };
  return { key, pin, source: all };
}

/** Chart.yaml of a chart directory or of a packaged chart (`<chart>/Chart.yaml` inside the gzipped tar). */
export function readChartYaml(chartPath: string): string {
  const stat = fs.statSync(chartPath);
  if (stat.isDirectory()) return fs.readFileSync(path.join(chartPath, 'Chart.yaml'), 'utf8');
  const tar = gunzipSync(fs.readFileSync(chartPath));
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      // PAX extended header: a `path=` record names the next entry.
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (/^[^/]+\/Chart\.yaml$/.test(name.replace(/^\.\//, ''))) return body.toString('utf8');
  }
  throw new Error('the archive holds no <chart>/Chart.yaml');
}

/**
 * Checks a local chart before anything is declared: it exists, it is the pinned chart, and it is the pinned
 * version. The provider would otherwise install whatever version the files hold.
 */
export function checkLocalChart(ref: ChartRef, fail: Fail): void {
  if (ref.source.kind !== 'local') return;
  const file = ref.source.path;
  if (!fs.existsSync(file)) {
    fail(
      `chart '${ref.key}': ${file} does not exist (expected a chart directory or a packaged ${packagedChartName(ref.pin)})`,
    );
  }
  let text = '';
  try {
    if (!fs.statSync(file).isDirectory() && !/\.(tgz|tar\.gz)$/.test(file)) {
      throw new Error('neither a directory nor a .tgz');
    }
    text = readChartYaml(file);
  } catch (e) {
    fail(`chart '${ref.key}': ${file} is not a Helm chart (${(e as Error).message})`);
  }
  const meta = parse(text) as { name?: unknown; version?: unknown } | null;
  const name = String(meta?.name ?? '');
  const version = String(meta?.version ?? '');
  if (name !== ref.pin.chart) {
    fail(`chart '${ref.key}': ${file} holds chart '${name}', not '${ref.pin.chart}'`);
  }
  if (version !== ref.pin.version) {
    fail(
      `chart '${ref.key}': ${file} holds ${name} ${version}, but versions.ts pins ${ref.pin.version} ` +
        `(package the pinned version, e.g. helm pull ${ref.pin.chart} --version ${ref.pin.version})`,
    );
  }
}

/** Every chart's reference, the local charts among `used` checked; throws ConfigError naming `configKey`. */
export function resolveChartSources(
  project: string,
  configKey: string,
  entries: Record<string, string>,
  baseDir: string,
  used: ChartKey[],
): Record<ChartKey, ChartRef> {
  const sources = parseChartSources(entries, baseDir, (entry, problem) => {
    throw new ConfigError(project, configKey, `entry '${entry}': ${problem}`);
  });
  const refs = Object.fromEntries(CHART_KEYS.map((key) => [key, chartRef(key, sources)])) as Record<
    ChartKey,
    ChartRef
  >;
  for (const key of used) {
    checkLocalChart(refs[key], (problem) => {
      throw new ConfigError(project, configKey, problem);
    });
  }
  return refs;
}
