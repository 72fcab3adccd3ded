import { describe, expect, it } from 'vitest';
import { isSecretInput, unwrapSecrets } from '../index';

const wrapped = (value: unknown) => ({
  '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
  value,
});

describe('secret inputs', () => {
  it('recognises only the engine marker', () => {
    expect(isSecretInput(wrapped('x'))).toBe(true);
    expect(isSecretInput({ value: 'x' })).toBe(false);
    expect(isSecretInput('x')).toBe(false);
    expect(isSecretInput(null)).toBe(false);
  });

  it('unwraps nested secrets in objects and arrays, leaving the rest', () => {
    expect(unwrapSecrets({ a: wrapped({ b: [wrapped('c'), 'd'] }), e: 1 })).toEqual({
      a: { b: ['c', 'd'] },
      e: 1,
    });
  });
});
