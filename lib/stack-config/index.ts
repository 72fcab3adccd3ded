/** Raw stack configuration values: a pulumi.Config namespace in a program, a plain map in tests. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** What a value must look like, and how an error describes it: `'<value>' is not <description>`. */
export interface Format {
  pattern: RegExp;
  description: string;
}

/** Thrown when a stack configuration value is missing or malformed; the message names the key. */
export class ConfigError extends Error {
  constructor(project: string, key: string, problem: string) {
    super(`Invalid configuration '${project}:${key}': ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Reads one Pulumi project's keys; a value that is unset, empty or blank counts as absent. */
class Reader {
  constructor(
    private readonly source: ConfigSource,
    private readonly project: string,
  ) {}

  private raw(key: string): string | undefined {
    const value = this.source.get(key)?.trim();
    return value === '' ? undefined : value;
  }

  private fail(key: string, problem: string): never {
    throw new ConfigError(this.project, key, problem);
  }

  private check(key: string, value: string, format: Format): string {
    if (!format.pattern.test(value)) this.fail(key, `'${value}' is not ${format.description}`);
    return value;
  }

  optional(key: string, format?: Format): string | undefined {
    const value = this.raw(key);
    return value === undefined || format === undefined ? value : this.check(key, value, format);
  }

  /** The fallback is checked too: a default derived from elsewhere (a stack, an organisation) must fit as well. */
  string(key: string, fallback: string, format: Format): string {
    return this.check(key, this.raw(key) ?? fallback, format);
  }

  required(key: string, format: Format): string {
    const value = this.raw(key);
    if (value === undefined) this.fail(key, `a value is required (${format.description})`);
    return this.check(key, value, format);
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) this.fail(key, `'${value}' is not a whole number`);
    const n = Number(value);
    if (n < min || n > max) this.fail(key, `${n} is outside ${min}..${max}`);
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (value !== 'true' && value !== 'false') this.fail(key, `'${value}' is not true or false`);
    return value === 'true';
  }

  oneOf<T extends string>(key: string, fallback: T, values: readonly T[]): T {
    const value = this.raw(key) ?? fallback;
    if (!values.includes(value as T)) {
      const quoted = values.map((v) => `'${v}'`);
      this.fail(key, `'${value}' is not ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`);
    }
    return value as T;
  }

  /** Lists and maps arrive as JSON text (pulumi.Config.get of a YAML list or map in the stack file). */
  json(key: string): unknown {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value);
    } catch {
      return this.fail(key, 'is not valid JSON (use a YAML list or map in the stack file)');
    }
  }

  list(key: string, fallback: string[], format: Format): string[] {
    const value = this.json(key);
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      this.fail(key, 'must be a list of strings');
    }
    return (value as string[]).map((item) => this.check(key, item, format));
  }

  map(key: string): Record<string, string> {
    const value = this.json(key);
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(key, 'must be a map of strings');
    }
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') this.fail(key, `entry '${k}' must be a string`);
    }
    return value as Record<string, string>;
  }
}

export type ConfigReader = Reader;

/** A reader of `project`'s keys, e.g. `configReader(new pulumi.Config('cloudops-crm-infra'), 'cloudops-crm-infra')`. */
export function configReader(source: ConfigSource, project: string): ConfigReader {
  return new Reader(source, project);
}
