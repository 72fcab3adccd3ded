import {
  isSecret,
  isSecretInput,
  one,
  type RecordedResource,
  settle,
  startMocks,
} from '@cloudops-crm/pulumi-testing';
import type * as pulumi from '@pulumi/pulumi';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GeneratedSecret, MAX_LENGTH, MIN_LENGTH } from '../index';
import { type GeneratedSecretInputs, generatedSecretProvider } from '../provider';

const DYNAMIC = 'pulumi-nodejs:dynamic:Resource';
const ALPHANUMERIC = /^[A-Za-z0-9]+$/;

/** The provider as the dynamic provider plugin gets it: from the text serialized into the resource's inputs. */
function deserialize(text: string): pulumi.dynamic.ResourceProvider {
  const module = { exports: {} as { handler: () => pulumi.dynamic.ResourceProvider } };
  new Function('exports', 'module', 'require', text)(module.exports, module, require);
  return module.exports.handler();
}

const create = (inputs: GeneratedSecretInputs, provider = generatedSecretProvider) =>
  provider.create(inputs as never);

describe('the provider', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('creates a value of the asked length from A-Z, a-z and 0-9, a new one each time', async () => {
    const values = await Promise.all(Array.from({ length: 20 }, () => create({ length: 40, keeper: '' })));
    for (const { outs } of values) {
      expect(outs!.value).toHaveLength(40);
      expect(outs!.value).toMatch(ALPHANUMERIC);
      expect(outs).toMatchObject({ length: 40, keeper: '' });
    }
    expect(new Set(values.map((v) => v.outs!.value)).size).toBe(20);
    expect(new Set(values.map((v) => v.id)).size).toBe(20);
  });

  it('drops the bytes from 248 up rather than folding them onto the first characters (no modulo bias)', async () => {
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const bytes = [255, 248, 0, 247, 61, 62, 250, 123, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    vi.spyOn(crypto, 'randomBytes').mockImplementation(((size: number) =>
      Buffer.from(bytes.splice(0, size))) as never);
    const { outs } = await create({ length: 16, keeper: '' });
    // 0 -> A, 247 -> 247 % 62 = 61 -> 9, 61 -> 9, 62 -> A, 123 -> 61 -> 9, then 1.. -> B..
    expect(outs!.value).toBe('A99A9BCDEFGHIJKL');
  });

  it('keeps the value while length and keeper stay, replaces it when either changes', async () => {
    const olds = { length: 32, keeper: 'a', value: 'x'.repeat(32) };
    const diff = generatedSecretProvider.diff!;
    expect(
      await diff('id', olds, { length: 32, keeper: 'a', __provider: 'changed code' } as never),
    ).toMatchObject({
      changes: false,
      replaces: [],
    });
    expect(await diff('id', olds, { length: 40, keeper: 'a' } as never)).toMatchObject({
      changes: true,
      replaces: ['length'],
    });
    expect(await diff('id', olds, { length: 32, keeper: 'b' } as never)).toMatchObject({
      changes: true,
      replaces: ['keeper'],
    });
  });
});

describe('the resource', () => {
  let resource: RecordedResource;
  let secret: GeneratedSecret;

  beforeAll(async () => {
    const mocked = await startMocks({
      project: 'generated-secret',
      outputs: (args) => (args.type === DYNAMIC ? { value: `generated-${args.name}` } : undefined),
    });
    secret = new GeneratedSecret('db', { length: 32, keeper: 'v1' });
    await settle(() => mocked.resources.length);
    resource = one(mocked.resources, DYNAMIC);
  });

  it('registers a dynamic resource with its length and keeper and an empty value', () => {
    expect(resource.name).toBe('db');
    expect(resource.inputs).toMatchObject({ length: 32, keeper: 'v1' });
    expect(resource.inputs.value).toBeUndefined();
  });

  it('has the engine keep the value as a secret in the state, and is a secret output in the program', async () => {
    expect(resource.options.additionalSecretOutputs).toEqual(['value']);
    expect(await isSecret(secret.value)).toBe(true);
    expect(await new Promise((resolve) => secret.value.apply(resolve))).toBe('generated-db');
  });

  it('serializes a provider that works on its own, as the plugin runs it', async () => {
    const text = resource.inputs.__provider as string;
    expect(isSecretInput(resource.raw.__provider)).toBe(false);
    // Nothing of the module around it: the text must load without this file, vitest or Pulumi.
    expect(text).not.toMatch(/__vi|vitest|@pulumi/);
    const { outs } = await create({ length: 24, keeper: '' }, deserialize(text));
    expect(outs!.value).toMatch(ALPHANUMERIC);
    expect(outs!.value).toHaveLength(24);
  });

  it.each([MIN_LENGTH - 1, MAX_LENGTH + 1, 32.5, Number.NaN])('refuses length %s', (length) => {
    expect(() => new GeneratedSecret('bad', { length })).toThrow(
      /length must be a whole number from 16 to 1024/,
    );
  });
});
