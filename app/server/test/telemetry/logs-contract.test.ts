import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithDb } from '../helpers.js';
import { emptyCounts, type Pods, startPods, trafficRound } from './traffic.js';

/**
 * The log lines the production bundle really writes, checked against the Elasticsearch mappings the cluster
 * layer installs for the logs-crm data stream: every field the service emits is mapped with a type that
 * accepts its values and agrees with ECS, and every mapped field the service owns is emitted.
 */

const ELASTICSEARCH_DIR = resolve(import.meta.dirname, '../../../../cluster/elasticsearch');

interface Mapping {
  type?: string;
  properties?: Record<string, Mapping>;
}

const indexTemplate = JSON.parse(readFileSync(`${ELASTICSEARCH_DIR}/index-template-logs.json`, 'utf8')) as {
  index_patterns: string[];
  composed_of: string[];
  template: { mappings?: { properties?: Record<string, Mapping> } };
};
const componentTemplate = JSON.parse(
  readFileSync(`${ELASTICSEARCH_DIR}/component-template-ecs-mappings.json`, 'utf8'),
) as { template: { mappings: { properties: Record<string, Mapping> } } };

/** Leaf fields of a mapping, by dotted path ("http.request.id" -> "keyword"). */
function leaves(properties: Record<string, Mapping>, prefix = ''): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [name, mapping] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    if (mapping.properties && (mapping.type === undefined || mapping.type === 'object')) {
      for (const [child, type] of leaves(mapping.properties, `${path}.`)) fields.set(child, type);
    } else fields.set(path, mapping.type ?? 'object');
  }
  return fields;
}

const mapped = leaves({
  ...componentTemplate.template.mappings.properties,
  ...(indexTemplate.template.mappings?.properties ?? {}),
});

/**
 * Mapped fields the service does not write, and who does. Every other mapped field belongs to the service and
 * must appear in its lines.
 */
const NOT_THE_APPS: Record<string, string> = {
  stream: 'Fluentd: the container stream (stdout/stderr) from the CRI log line',
  'service.type': 'Fluentd: a default ("application") for the logs-crm stream',
  'event.ingested': 'the ingest pipeline: time of indexing',
  'event.outcome':
    'not written by the CRM API (its access line carries the status code); kept for other streams',
  'log.logger': 'not written by the CRM API; kept for other ECS loggers shipped to the same template',
  'trace.id': 'written by ecs-pino-format only with APM integration, which the service turns off',
  'kubernetes.namespace_name': 'Fluentd kubernetes_metadata filter',
  'kubernetes.pod_name': 'Fluentd kubernetes_metadata filter',
  'kubernetes.pod_id': 'Fluentd kubernetes_metadata filter',
  'kubernetes.container_name': 'Fluentd kubernetes_metadata filter',
  'kubernetes.container_image': 'Fluentd kubernetes_metadata filter',
  'kubernetes.host': 'Fluentd kubernetes_metadata filter',
  'kubernetes.labels': 'Fluentd kubernetes_metadata filter',
};

/** ECS 8.x types of the fields the service writes (ecs-pino-format, the access line, the error serializer). */
const ECS_TYPES: Record<string, string> = {
  '@timestamp': 'date',
  message: 'match_only_text',
  'log.level': 'keyword',
  'ecs.version': 'keyword',
  'service.name': 'keyword',
  'service.version': 'keyword',
  'service.environment': 'keyword',
  'event.dataset': 'keyword',
  'event.duration': 'long',
  'process.pid': 'long',
  'host.hostname': 'keyword',
  'http.request.id': 'keyword',
  'http.request.method': 'keyword',
  'http.response.status_code': 'long',
  'url.path': 'wildcard',
  'client.ip': 'ip',
  'user_agent.original': 'keyword',
  'error.type': 'keyword',
  'error.message': 'match_only_text',
  'error.stack_trace': 'wildcard',
};

/** Fields the service writes that ECS does not define (yet): named here so that each one is a decision. */
const CUSTOM_FIELDS: Record<string, string> = {
  // The route template (/person/:personId): low cardinality, what dashboards group by; ECS has only url.path.
  'http.route': 'keyword',
};

/** Elasticsearch types that are the same kind of field for a query (ECS picks one of each family). */
const FAMILIES = [
  ['keyword', 'constant_keyword', 'wildcard'],
  ['text', 'match_only_text'],
  ['date', 'date_nanos'],
  ['long', 'integer', 'short', 'byte', 'unsigned_long'],
  ['double', 'float', 'half_float', 'scaled_float'],
];
const sameFamily = (a: string, b: string) =>
  a === b || FAMILIES.some((family) => family.includes(a) && family.includes(b));

const INTEGER_RANGES: Record<string, [number, number]> = {
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  unsigned_long: [0, Number.MAX_SAFE_INTEGER],
  integer: [-(2 ** 31), 2 ** 31 - 1],
  short: [-32768, 32767],
  byte: [-128, 127],
};

/** Whether Elasticsearch indexes `value` into a field of `type` (instead of rejecting the document). */
function accepts(type: string, value: unknown): boolean {
  if (typeof value === 'string') {
    if (['keyword', 'constant_keyword', 'wildcard', 'text', 'match_only_text', 'version'].includes(type))
      return true;
    if (type === 'date' || type === 'date_nanos') return !Number.isNaN(Date.parse(value));
    if (type === 'ip') return isIP(value) !== 0;
    return false;
  }
  if (typeof value === 'number') {
    const range = INTEGER_RANGES[type];
    if (range) return Number.isInteger(value) && value >= range[0] && value <= range[1];
    return ['double', 'float', 'half_float', 'scaled_float'].includes(type);
  }
  if (typeof value === 'boolean') return type === 'boolean';
  return false;
}

/** A log line's fields by dotted path: pino writes both dotted keys ("http.route") and nested objects (error). */
function flatten(record: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(record).flatMap(
    ([key, value]): Array<[string, unknown]> =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? flatten(value as Record<string, unknown>, `${prefix}${key}.`)
        : [[`${prefix}${key}`, value]],
  );
}

describeWithDb('log lines against the Elasticsearch index templates', () => {
  let pods: Pods | undefined;
  let lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    pods = await startPods();
    await trafficRound(pods, 0, emptyCounts());
    // A clean shutdown writes its own line; stopping here puts it in the sample.
    await pods.stop();
    lines = [...pods.healthy.logs, ...pods.noDatabase.logs];
  }, 60_000);

  afterAll(async () => {
    await pods?.stop();
  });

  const where = (predicate: (line: Record<string, unknown>) => boolean) => lines.filter(predicate);

  it('captured start-up, access lines for 2xx, 4xx and 5xx, an error with its stack, and shutdown', () => {
    const status = (line: Record<string, unknown>) => Number(line['http.response.status_code']);
    expect(where((l) => String(l.message).startsWith('Server listening at')).length).toBe(2);
    expect(where((l) => status(l) >= 200 && status(l) < 300).length).toBeGreaterThan(0);
    expect(where((l) => status(l) >= 400 && status(l) < 500).length).toBeGreaterThan(0);
    expect(where((l) => status(l) >= 500).length).toBeGreaterThan(0);
    const failed = where((l) => l.message === 'MongoDB unreachable');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({
      error: { type: expect.any(String), stack_trace: expect.stringMatching(/\n\s+at /) },
    });
    expect(where((l) => /received, shutting down/.test(String(l.message))).length).toBe(2);
  });

  it('applies the mappings to the logs-crm data stream', () => {
    expect(indexTemplate.index_patterns).toContain('logs-crm');
    expect(indexTemplate.composed_of).toHaveLength(1);
    expect(mapped.size).toBeGreaterThan(10);
  });

  it('maps every emitted field with a type that accepts its values', () => {
    const problems = new Map<string, string>();
    let checked = 0;
    for (const line of lines) {
      for (const [field, value] of flatten(line)) {
        const type = mapped.get(field);
        if (!type) problems.set(field, `not mapped (value ${JSON.stringify(value)})`);
        else if (!accepts(type, value))
          problems.set(field, `${type} does not accept ${JSON.stringify(value)}`);
        else checked++;
      }
    }
    expect(Object.fromEntries(problems)).toEqual({});
    expect(checked).toBeGreaterThan(lines.length * 5);
  });

  it('emits ECS fields with their ECS types, and names its non-ECS fields', () => {
    const emitted = new Set(lines.flatMap((line) => flatten(line).map(([field]) => field)));
    const problems: string[] = [];
    for (const field of emitted) {
      const expected = ECS_TYPES[field] ?? CUSTOM_FIELDS[field];
      const type = mapped.get(field);
      if (!expected) problems.push(`${field}: neither ECS nor a declared custom field`);
      else if (!type || !sameFamily(type, expected))
        problems.push(`${field}: mapped as ${type}, ECS says ${expected}`);
    }
    expect(problems).toEqual([]);
    for (const line of lines) {
      expect(line).toMatchObject({
        '@timestamp': expect.any(String),
        'ecs.version': expect.stringMatching(/^8\./),
        'log.level': expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/),
        'service.name': 'crm-app',
        message: expect.any(String),
      });
    }
  });

  it('emits every mapped field the service owns', () => {
    const emitted = new Set(lines.flatMap((line) => flatten(line).map(([field]) => field)));
    const owned = [...mapped.keys()].filter((field) => !(field in NOT_THE_APPS));
    expect(owned.filter((field) => !emitted.has(field))).toEqual([]);
    expect(owned.length).toBeGreaterThan(15);
    // The list of others' fields names only fields the template really maps.
    expect(Object.keys(NOT_THE_APPS).filter((field) => !mapped.has(field))).toEqual([]);
  });
});
