import * as pulumi from '@pulumi/pulumi';

/**
 * Recorded inputs are arbitrary JSON whose shape each test asserts; typing them loosely keeps the assertions
 * readable.
 */
// biome-ignore lint/suspicious/noExplicitAny: recorded resource inputs are untyped JSON
export type Json = any;

/** The marker the Pulumi engine wraps a secret value in on its way to a resource. */
const SECRET_SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** True when a recorded input reached the engine as a Pulumi secret. */
export function isSecretInput(value: unknown): value is { value: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

/** Recorded inputs with every secret wrapper replaced by its value, as the provider would receive them. */
export function unwrapSecrets<T = Json>(value: unknown): T {
  if (isSecretInput(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map((item) => unwrapSecrets(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item)])) as T;
  }
  return value as T;
}

/** True when an Output (e.g. a stack export) is a secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}
