import type * as pulumi from '@pulumi/pulumi';

/** The inputs the engine hands the provider (and keeps in the state). */
export interface GeneratedSecretInputs {
  length: number;
  keeper: string;
}

/** The state: the inputs and the value, which the resource registers as a secret output. */
export interface GeneratedSecretOutputs extends GeneratedSecretInputs {
  value: string;
}

/**
 * What the engine runs: Pulumi serializes this object with everything it references into the state and the
 * dynamic provider plugin evaluates that text. So every function requires what it needs itself and refers to
 * nothing of this module: an import would drag its module (under vitest, the transformed one) into the text.
 */
export const generatedSecretProvider: pulumi.dynamic.ResourceProvider<
  GeneratedSecretInputs,
  GeneratedSecretOutputs
> = {
  async diff(_id: string, olds: GeneratedSecretOutputs, news: GeneratedSecretInputs) {
    // Without a diff of its own the engine would compare every input, the serialized provider among them, and
    // a new value would follow any change to this file.
    const replaces = ['length', 'keeper'].filter(
      (key) => olds[key as keyof GeneratedSecretInputs] !== news[key as keyof GeneratedSecretInputs],
    );
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },

  async create(inputs: GeneratedSecretInputs) {
    const { randomBytes, randomUUID } = require('node:crypto') as typeof import('node:crypto');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    // 248 is the largest multiple of 62 a byte can hold: a byte from 248 up is dropped, so that `byte % 62`
    // gives every character the same chance (no modulo bias).
    const limit = 256 - (256 % alphabet.length);
    let value = '';
    while (value.length < inputs.length) {
      for (const byte of randomBytes(inputs.length - value.length + 8)) {
        if (byte < limit && value.length < inputs.length) value += alphabet[byte % alphabet.length];
      }
    }
    return { id: randomUUID(), outs: { length: inputs.length, keeper: inputs.keeper, value } };
  },
};
