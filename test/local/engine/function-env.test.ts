/** STREAMPROC_ENGINE_FUNCTION_ENV: a JSON object of strings, or refused with the reason. */
import { describe, expect, it } from 'vitest';
import { parseFunctionEnv } from '../../../src/local/engine/function-env.js';

describe('function environment override', () => {
  it('parses a JSON object of strings and refuses anything else', () => {
    expect(parseFunctionEnv(undefined)).toEqual({});
    expect(parseFunctionEnv('  ')).toEqual({});
    expect(parseFunctionEnv('{"A":"1"}')).toEqual({ A: '1' });
    expect(() => parseFunctionEnv('{')).toThrow(/STREAMPROC_ENGINE_FUNCTION_ENV is not JSON/);
    expect(() => parseFunctionEnv('[1]')).toThrow(/must be a JSON object/);
    expect(() => parseFunctionEnv('{"A":1}')).toThrow(/value of A is not a string/);
  });
});
