import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigSource, configReader, type Format } from '../index';

const PROJECT = 'example-project';
const read = (values: Record<string, string>) => {
  const source: ConfigSource = { get: (key) => values[key] };
  return configReader(source, PROJECT);
};
const SIZE: Format = { pattern: /^\d+(Mi|Gi)$/, description: 'a size such as 5Gi' };

/** Runs `fn` and returns the ConfigError it throws, failing the test when it throws nothing or something else. */
function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('ConfigError', () => {
  it("names the project and key in one style: Invalid configuration 'project:key': problem", () => {
    const error = new ConfigError('cloudops-crm-infra', 'region', 'is wrong');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe("Invalid configuration 'cloudops-crm-infra:region': is wrong");
  });
});

describe('optional', () => {
  it('is undefined when unset, empty or blank, and trims a value', () => {
    expect(read({}).optional('size', SIZE)).toBeUndefined();
    expect(read({ size: '' }).optional('size', SIZE)).toBeUndefined();
    expect(read({ size: '  ' }).optional('size', SIZE)).toBeUndefined();
    expect(read({ size: ' 5Gi ' }).optional('size', SIZE)).toBe('5Gi');
  });

  it('accepts free text when no format is given', () => {
    expect(read({ kubeconfig: '{"apiVersion": "v1"}' }).optional('kubeconfig')).toBe('{"apiVersion": "v1"}');
  });

  it('rejects a value not matching the format, naming the key, value and format', () => {
    expect(errorOf(() => read({ size: '5GB' }).optional('size', SIZE)).message).toBe(
      "Invalid configuration 'example-project:size': '5GB' is not a size such as 5Gi",
    );
  });
});

describe('string', () => {
  it('reads a value or falls back to the default', () => {
    expect(read({ size: '10Gi' }).string('size', '5Gi', SIZE)).toBe('10Gi');
    expect(read({}).string('size', '5Gi', SIZE)).toBe('5Gi');
    expect(read({ size: ' ' }).string('size', '5Gi', SIZE)).toBe('5Gi');
  });

  it('rejects a malformed value and a malformed default, naming the key', () => {
    expect(errorOf(() => read({ size: 'big' }).string('size', '5Gi', SIZE)).message).toBe(
      "Invalid configuration 'example-project:size': 'big' is not a size such as 5Gi",
    );
    expect(errorOf(() => read({}).string('size', '5 Gi', SIZE)).message).toBe(
      "Invalid configuration 'example-project:size': '5 Gi' is not a size such as 5Gi",
    );
  });
});

describe('required', () => {
  it('reads a value matching the format', () => {
    expect(read({ size: '1Gi' }).required('size', SIZE)).toBe('1Gi');
  });

  it('rejects an absent or blank value, saying what is expected', () => {
    for (const values of [{}, { size: '' }, { size: ' ' }] as Record<string, string>[]) {
      expect(errorOf(() => read(values).required('size', SIZE)).message).toBe(
        "Invalid configuration 'example-project:size': a value is required (a size such as 5Gi)",
      );
    }
  });

  it('rejects a malformed value', () => {
    expect(errorOf(() => read({ size: '1' }).required('size', SIZE)).message).toBe(
      "Invalid configuration 'example-project:size': '1' is not a size such as 5Gi",
    );
  });
});

describe('integer', () => {
  it('reads a value within the bounds (inclusive) or falls back to the default', () => {
    expect(read({ replicas: '3' }).integer('replicas', 2, 1, 5)).toBe(3);
    expect(read({ replicas: '1' }).integer('replicas', 2, 1, 5)).toBe(1);
    expect(read({ replicas: ' 5 ' }).integer('replicas', 2, 1, 5)).toBe(5);
    expect(read({}).integer('replicas', 2, 1, 5)).toBe(2);
    expect(read({ replicas: '' }).integer('replicas', 2, 1, 5)).toBe(2);
  });

  it.each(['two', '1.5', '1e1', '0x2', '+2'])('rejects %j as not an integer, naming the key', (value) => {
    expect(errorOf(() => read({ replicas: value }).integer('replicas', 2, 1, 5)).message).toBe(
      `Invalid configuration 'example-project:replicas': '${value}' is not a whole number`,
    );
  });

  it.each([
    ['0', 0],
    ['6', 6],
    ['-1', -1],
  ])('rejects %j as outside the bounds, naming the key', (value, n) => {
    expect(errorOf(() => read({ replicas: value }).integer('replicas', 2, 1, 5)).message).toBe(
      `Invalid configuration 'example-project:replicas': ${n} is outside 1..5`,
    );
  });
});

describe('boolean', () => {
  it('reads true and false or falls back to the default', () => {
    expect(read({ enabled: 'true' }).boolean('enabled', false)).toBe(true);
    expect(read({ enabled: 'false' }).boolean('enabled', true)).toBe(false);
    expect(read({}).boolean('enabled', true)).toBe(true);
    expect(read({}).boolean('enabled', false)).toBe(false);
  });

  it.each(['yes', 'True', '1'])('rejects %j, naming the key', (value) => {
    expect(errorOf(() => read({ enabled: value }).boolean('enabled', false)).message).toBe(
      `Invalid configuration 'example-project:enabled': '${value}' is not true or false`,
    );
  });
});

describe('oneOf', () => {
  const LEVELS = ['error', 'info', 'debug'] as const;

  it('reads one of the values or falls back to the default', () => {
    expect(read({ level: 'debug' }).oneOf('level', 'info', LEVELS)).toBe('debug');
    expect(read({}).oneOf('level', 'info', LEVELS)).toBe('info');
  });

  it('rejects any other value, listing the allowed ones', () => {
    expect(errorOf(() => read({ level: 'verbose' }).oneOf('level', 'info', LEVELS)).message).toBe(
      "Invalid configuration 'example-project:level': 'verbose' is not 'error', 'info' or 'debug'",
    );
    expect(errorOf(() => read({ kind: 'INFO' }).oneOf('kind', 'a', ['a', 'b'])).message).toBe(
      "Invalid configuration 'example-project:kind': 'INFO' is not 'a' or 'b'",
    );
  });
});

describe('json', () => {
  it('parses a value and is undefined when unset', () => {
    expect(read({ zones: '{"us-east-1":["use1-az3"]}' }).json('zones')).toEqual({
      'us-east-1': ['use1-az3'],
    });
    expect(read({}).json('zones')).toBeUndefined();
  });

  it('rejects text that is not JSON, naming the key', () => {
    expect(errorOf(() => read({ zones: '[use1-az3' }).json('zones')).message).toBe(
      "Invalid configuration 'example-project:zones': is not valid JSON (use a YAML list or map in the stack file)",
    );
  });
});

describe('list', () => {
  it('reads a list of matching strings or falls back to the default', () => {
    expect(read({ sizes: '["1Gi","2Mi"]' }).list('sizes', ['5Gi'], SIZE)).toEqual(['1Gi', '2Mi']);
    expect(read({ sizes: '[]' }).list('sizes', ['5Gi'], SIZE)).toEqual([]);
    expect(read({}).list('sizes', ['5Gi'], SIZE)).toEqual(['5Gi']);
  });

  it.each(['"1Gi"', '{"a":"1Gi"}', '[1]', '["1Gi",null]'])('rejects %s as not a list of strings', (value) => {
    expect(errorOf(() => read({ sizes: value }).list('sizes', [], SIZE)).message).toBe(
      "Invalid configuration 'example-project:sizes': must be a list of strings",
    );
  });

  it('rejects an item not matching the format, naming the key and the item', () => {
    expect(errorOf(() => read({ sizes: '["1Gi","lots"]' }).list('sizes', [], SIZE)).message).toBe(
      "Invalid configuration 'example-project:sizes': 'lots' is not a size such as 5Gi",
    );
  });
});

describe('map', () => {
  it('reads a map of strings and is empty when unset', () => {
    expect(read({ tags: '{"Team":"crm"}' }).map('tags')).toEqual({ Team: 'crm' });
    expect(read({}).map('tags')).toEqual({});
  });

  it.each(['["crm"]', '"crm"', 'null'])('rejects %s as not a map, naming the key', (value) => {
    expect(errorOf(() => read({ tags: value }).map('tags')).message).toBe(
      "Invalid configuration 'example-project:tags': must be a map of strings",
    );
  });

  it('rejects an entry that is not a string, naming the key and the entry', () => {
    expect(errorOf(() => read({ tags: '{"Team":"crm","Count":1}' }).map('tags')).message).toBe(
      "Invalid configuration 'example-project:tags': entry 'Count' must be a string",
    );
  });
});
