import client, { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestDurationHistogram } from '../src/lib/request-duration-histogram.js';

// The exposition of prom-client's own Histogram with the same name, help, labels and buckets is the reference.
const reference = (registry: Registry) =>
  new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'request duration in seconds',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

const observations: [string, string, number, number][] = [
  ['GET', '/health', 200, 0.0004],
  ['GET', '/health', 200, 0.005], // on a bound: counted in that bucket (le is "less or equal")
  ['GET', '/health', 200, 0.0051],
  ['GET', '/person/:personId', 404, 0.03],
  ['POST', '/person/:personId', 201, 2.5],
  ['POST', '/person/:personId', 201, 12], // above every bound: +Inf only
  ['GET', '__unmatched__', 400, 0],
];

describe('RequestDurationHistogram', () => {
  it('writes out exactly what prom-client writes for its own histogram', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const histogram = new RequestDurationHistogram(ours);
    const expected = reference(theirs);
    for (const [method, route, status, seconds] of observations) {
      histogram.observe(method, route, status, seconds);
      expected.observe({ method, route, status_code: status }, seconds);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health",status_code="200"} 2',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/person/:personId",status_code="201"} 2',
    );
  });

  it('starts over when the registry is reset', async () => {
    const registry = new Registry();
    const histogram = new RequestDurationHistogram(registry);
    histogram.observe('GET', '/health', 200, 0.001);
    registry.resetMetrics();
    expect(await registry.metrics()).toBe(
      '# HELP http_request_duration_seconds request duration in seconds\n# TYPE http_request_duration_seconds histogram\n',
    );
  });
});
