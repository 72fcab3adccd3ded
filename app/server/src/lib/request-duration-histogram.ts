import type { Metric, Registry } from 'prom-client';

const NAME = 'http_request_duration_seconds';
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = { method: string; route: string; status_code: number };
type Value = { metricName: string; labels: Labels | (Labels & { le: number | string }); value: number };

interface Series {
  labels: Labels;
  /** Observations per bucket, not cumulative; the last one counts those above every bound. */
  counts: number[];
  sum: number;
}

/**
 * The request histogram, http_request_duration_seconds{method, route, status_code}, in a prom-client registry that
 * writes it out as it writes its own histograms. It is observed on every response: prom-client's Histogram checks
 * the label names, builds a key string from the labels object and finds the bucket through its bound as a property
 * name, each time; a tenth of the CPU a /health request costs. Here a series is one map lookup and a bucket an index.
 */
export class RequestDurationHistogram {
  readonly name = NAME;
  readonly help = 'request duration in seconds';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();

  constructor(registry: Registry) {
    // The registry reads name, help, type and get(), and calls reset(); it is typed for its own metric classes only.
    registry.registerMetric(this as unknown as Metric);
  }

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${statusCode} ${method} ${route}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = {
        labels: { method, route, status_code: statusCode },
        counts: new Array<number>(BOUNDS.length + 1).fill(0),
        sum: 0,
      };
      this.#series.set(key, series);
    }
    let bucket = 0;
    while (bucket < BOUNDS.length && seconds > (BOUNDS[bucket] as number)) bucket++;
    series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += seconds;
  }

  /** Per series: the cumulative buckets up to +Inf, then the sum and the count. */
  get() {
    const values: Value[] = [];
    for (const { labels, counts, sum } of this.#series.values()) {
      let count = 0;
      const bucket = (le: number | string, i: number) => {
        count += counts[i] as number;
        values.push({ metricName: `${NAME}_bucket`, labels: { le, ...labels }, value: count });
      };
      BOUNDS.forEach(bucket);
      bucket('+Inf', BOUNDS.length);
      values.push({ metricName: `${NAME}_sum`, labels, value: sum });
      values.push({ metricName: `${NAME}_count`, labels, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}
