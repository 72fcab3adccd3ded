import * as pulumi from '@pulumi/pulumi';

/** The value of an Output (or of any input, outputs nested in it included) once the mocks have resolved it. */
export function resolveOutput<T>(value: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  return new Promise((resolve) => {
    pulumi.output(value).apply((resolved) => {
      resolve(resolved);
      return resolved;
    });
  });
}

/**
 * Resolves once `count()` has stopped moving for five rounds of 20 ms: outputs resolve before every child
 * resource is registered, so a program is only done when registrations stop arriving.
 */
export async function settle(count: () => number): Promise<void> {
  let last = -1;
  let stableRounds = 0;
  while (stableRounds < 5) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const current = count();
    stableRounds = current === last ? stableRounds + 1 : 0;
    last = current;
  }
}
