import * as pulumi from '@pulumi/pulumi';
import { type GeneratedSecretOutputs, generatedSecretProvider } from './provider';

export const MIN_LENGTH = 16;
export const MAX_LENGTH = 1024;

export interface GeneratedSecretArgs {
  /**
   * Characters in the value, from 16 to 1024. Each is one of A-Z, a-z and 0-9, so the value goes into URIs,
   * basic auth and comma-separated lists without escaping.
   */
  length: number;
  /** Any text; a new one generates a new value (a rotation). Nothing else changes the value once created. */
  keeper?: pulumi.Input<string>;
}

/**
 * A random value generated once, when the resource is created, and kept in the stack's state as a secret.
 *
 * A dynamic resource: the engine runs it through the Node.js dynamic provider plugin that comes with the CLI,
 * so a stack needs no provider plugin of its own for it (@pulumi/random's can be out of reach).
 */
export class GeneratedSecret extends pulumi.dynamic.Resource {
  /** The generated value; always a secret output. */
  declare readonly value: pulumi.Output<string>;
  declare readonly length: pulumi.Output<number>;

  constructor(name: string, args: GeneratedSecretArgs, opts?: pulumi.CustomResourceOptions) {
    if (!Number.isInteger(args.length) || args.length < MIN_LENGTH || args.length > MAX_LENGTH) {
      throw new Error(
        `GeneratedSecret ${name}: length must be a whole number from ${MIN_LENGTH} to ${MAX_LENGTH}, not ${args.length}`,
      );
    }
    // `value` is declared empty so that the resource gets the output property.
    const props: Record<keyof GeneratedSecretOutputs, pulumi.Input<unknown> | undefined> = {
      length: args.length,
      keeper: args.keeper ?? '',
      value: undefined,
    };
    super(
      generatedSecretProvider,
      name,
      props,
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ['value'] }),
    );
    // The engine marks `value` secret (additionalSecretOutputs), in the state and in the program; this keeps it
    // one where no engine does that (unit tests' mocks), so a caller that forgets pulumi.secret leaks nothing.
    this.value = pulumi.secret(this.value);
  }
}
