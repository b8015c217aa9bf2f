/** A Reporter for tests: keeps every progress event and step title, so tests assert what a service reported. */
import { createReporter, type ProgressEvent, type Reporter } from '../../src/progress.js';

export type ProgressEventOf<K extends ProgressEvent['type']> = Extract<ProgressEvent, { type: K }>;

export interface RecordingReporter {
  reporter: Reporter;
  /** Every event, in the order the service emitted it. */
  events: ProgressEvent[];
  /** Titles of the steps run, in order. */
  steps: string[];
  /** The events of one type, in order. */
  ofType<K extends ProgressEvent['type']>(type: K): ProgressEventOf<K>[];
  /** The messages of `info` events, in order. */
  infos(): string[];
  /** The messages of `warn` events, in order. */
  warnings(): string[];
}

export function recordingReporter(): RecordingReporter {
  const events: ProgressEvent[] = [];
  const steps: string[] = [];
  const ofType = <K extends ProgressEvent['type']>(type: K) =>
    events.filter((event): event is ProgressEventOf<K> => event.type === type);
  return {
    reporter: createReporter({
      step: async (title, work) => {
        steps.push(title);
        return work();
      },
      emit: (event) => events.push(event),
    }),
    events,
    steps,
    ofType,
    infos: () => ofType('info').map((event) => event.message),
    warnings: () => ofType('warn').map((event) => event.message),
  };
}
