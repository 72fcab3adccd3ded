import { describe, expect, it } from 'vitest';
import { fallbackOperands, isNumber, metricNames, operands, watched, withoutFallbacks } from './promql.js';

/** The PromQL splitting the live test relies on to check each operand on its own. */

const errors = 'sum(rate(http_request_duration_seconds_count{job="crm-app", status_code=~"5.."}[1m]))';
const all = 'sum(rate(http_request_duration_seconds_count{job="crm-app"}[1m]))';

describe('PromQL operands', () => {
  it('splits a condition at its comparison and drops the threshold', () => {
    expect(operands(`${errors} / ${all} > 0.05`)).toEqual([`${errors} / ${all}`, '0.05']);
    expect(operands('max by (namespace) (up{job="crm-app"}) == 0').filter((o) => !isNumber(o))).toEqual([
      'max by (namespace) (up{job="crm-app"})',
    ]);
    expect(operands('a - on (namespace, deployment) b > 0')).toEqual([
      'a - on (namespace, deployment) b',
      '0',
    ]);
    expect(watched('absent(up{job="crm-app"})')).toBe('up{job="crm-app"}');
  });

  it('leaves operators inside label matchers alone', () => {
    expect(operands('up{job="a or b", route!~"/x>y"} == 1')).toEqual([
      'up{job="a or b", route!~"/x>y"}',
      '1',
    ]);
    expect(metricNames(`${errors} / ${all}`)).toEqual(['http_request_duration_seconds_count']);
  });
});

describe('PromQL fallbacks', () => {
  const ratio = `(${errors} or vector(0))\n/ ${all}`;

  it('strips `or vector(N)` and yields what it stands in for', () => {
    expect(withoutFallbacks(ratio)).toBe(`(${errors})\n/ ${all}`);
    expect(fallbackOperands(ratio)).toEqual([errors]);
    expect(fallbackOperands(`${errors} or vector(0)`)).toEqual([errors]);
    expect(withoutFallbacks(`${errors} or vector(0)`)).toBe(errors);
  });

  it('splits every operand an `or` could hide behind', () => {
    expect(fallbackOperands('sum(a{x="1"}) + (b{y="2"} or c{z="3"} or vector(1.5))')).toEqual([
      'b{y="2"}',
      'c{z="3"}',
    ]);
  });

  it('keeps expressions without a fallback, and fallbacks spelt inside a string', () => {
    expect(withoutFallbacks(all)).toBe(all);
    expect(fallbackOperands(all)).toEqual([]);
    const quoted = 'up{job="x or vector(0)"}';
    expect(withoutFallbacks(quoted)).toBe(quoted);
    // `vector(time())` is no constant fallback.
    expect(withoutFallbacks('a or vector(time())')).toBe('a or vector(time())');
  });
});
