/** The Reporter's conveniences: info and warn are events like any other, steps run their work. */
import { describe, expect, it } from 'vitest';
import { createReporter, type ProgressEvent, silentReporter } from '../src/progress.js';

describe('createReporter', () => {
  it('turns info and warn into events and passes other events through', async () => {
    // Prepare
    const events: ProgressEvent[] = [];
    const steps: string[] = [];
    const reporter = createReporter({
      step: (title, work) => {
        steps.push(title);
        return work();
      },
      emit: (event) => events.push(event),
    });
    // Act
    const value = await reporter.step('Create stream', async () => 42);
    reporter.info('hello');
    reporter.warn('careful');
    reporter.emit({ type: 'stillInProgress', seconds: 20, resources: ['EventStream'] });
    // Assess
    expect(value).toBe(42);
    expect(steps).toEqual(['Create stream']);
    expect(events).toEqual([
      { type: 'info', message: 'hello' },
      { type: 'warn', message: 'careful' },
      { type: 'stillInProgress', seconds: 20, resources: ['EventStream'] },
    ]);
  });

  it('the silent reporter still runs the work and its failures', async () => {
    expect(await silentReporter.step('x', async () => 'done')).toBe('done');
    await expect(silentReporter.step('y', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
  });
});
