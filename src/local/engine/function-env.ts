/**
 * STREAMPROC_ENGINE_FUNCTION_ENV: a JSON object of strings that extends the function's environment,
 * applied last. The reliability tests route the processor through a fault proxy with it.
 */

/** The environment variable holding a JSON object of extra function environment variables. */
export const FUNCTION_ENV_VARIABLE = 'STREAMPROC_ENGINE_FUNCTION_ENV';

/** Parses STREAMPROC_ENGINE_FUNCTION_ENV: unset or empty is none; anything but a JSON object of strings throws. */
export function parseFunctionEnv(text: string | undefined): Record<string, string> {
  if (!text?.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${FUNCTION_ENV_VARIABLE} is not JSON: expected an object of strings`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${FUNCTION_ENV_VARIABLE} must be a JSON object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`${FUNCTION_ENV_VARIABLE}: the value of ${key} is not a string`);
  }
  return value as Record<string, string>;
}
