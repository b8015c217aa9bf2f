import { describe, expect, it } from 'vitest';
import { parseDurationFlag, parseTimeBound } from '../../src/browse/time-spec.js';
import { UsageError } from '../../src/errors.js';

const NOW = Date.parse('2026-11-25T20:00:00.000Z');

describe('parseTimeBound', () => {
  it.each([
    ['30s', NOW - 30_000],
    ['10m', NOW - 600_000],
    ['2h', NOW - 7_200_000],
    ['3d', NOW - 3 * 86_400_000],
    ['1w', NOW - 7 * 86_400_000],
    ['1.5h', NOW - 5_400_000],
  ])('reads the duration %s as that long before now', (text, expected) => {
    expect(parseTimeBound('since', text, NOW)).toBe(expected);
  });

  it('reads absolute times: UTC, offsets, and local times without a zone', () => {
    expect(parseTimeBound('since', '2026-11-25T19:00:00Z', NOW)).toBe(Date.parse('2026-11-25T19:00:00Z'));
    expect(parseTimeBound('since', '2026-11-25T21:00:00+02:00', NOW)).toBe(Date.parse('2026-11-25T19:00:00Z'));
    expect(parseTimeBound('since', '2026-11-25T19:30', NOW)).toBe(new Date(2026, 10, 25, 19, 30).getTime());
    expect(parseTimeBound('since', '2026-11-25 19:30:15.5', NOW)).toBe(
      new Date(2026, 10, 25, 19, 30, 15, 500).getTime(),
    );
    expect(parseTimeBound('until', '2026-11-25', NOW)).toBe(new Date(2026, 10, 25).getTime());
  });

  it.each(['nonsense', '10 minutes', '2026-02-31', '2026-11-25T25:00', '', '-5m'])(
    'rejects "%s" with a usage error and an example',
    (text) => {
      let error: unknown;
      try {
        parseTimeBound('since', text, NOW);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exit).toBe(2);
      expect((error as UsageError).message).toContain('--since');
      expect((error as UsageError).hint).toMatch(/--since 2h/);
    },
  );
});

describe('parseDurationFlag', () => {
  it('reads positive durations and rejects the rest', () => {
    expect(parseDurationFlag('interval', '500ms')).toBe(500);
    expect(parseDurationFlag('interval', '2s')).toBe(2000);
    expect(() => parseDurationFlag('interval', '0s')).toThrow(UsageError);
    expect(() => parseDurationFlag('interval', 'fast')).toThrow(/--interval "fast" is not a duration/);
  });
});
