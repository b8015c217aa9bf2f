/** `streamproc redrive`: the redrive service (src/redrive/redrive.ts), confirmed first, summarised as a table. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import { UsageError } from '../errors.js';
import type { RedriveResult } from '../redrive/redrive.js';
import { answerQuestion } from '../ui/confirm.js';
import { renderRedriveSummary } from '../ui/redrive-view.js';

export default class Redrive extends StreamprocCommand<typeof Redrive> {
  static description =
    `Get failed data back: put the records of batches the event source mapping gave up on back into the stream.

Reads every failed-batch record from the stack's on-failure destination (local: the engine's mapping/failures.jsonl; AWS: the stack's SQS dead-letter queue), reads that batch's records back from the stream by shard and sequence range, puts them back with their original partition keys, and only then removes the failed-batch record. An interrupted redrive loses nothing: run it again. Records the stream no longer holds (past its retention) are reported as lost, with shard and range.

--rejected also re-sends quarantined malformed records whose raw payload was stored whole, and lists those that cannot be (truncated or not UTF-8).

--json prints one summary: {stack, target, dryRun, destination, batches, records, lost[], removed, notRemoved, kept[], remaining, details[], rejected?}.

${EXIT_CODES_HELP}`;
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --dry-run',
      description: 'What would be redriven: batches, records, ranges; nothing changes.',
    },
    { command: '<%= config.bin %> <%= command.id %>', description: 'Redrive, after asking.' },
    {
      command: '<%= config.bin %> <%= command.id %> --yes --rejected --json',
      description: 'In a script, with the quarantined records too.',
    },
  ];
  static flags = {
    'dry-run': Flags.boolean({
      description: 'Show what would be redriven (batches, records, ranges); change nothing.',
    }),
    rejected: Flags.boolean({
      description: 'Also re-send quarantined malformed records whose raw payload was stored whole.',
    }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation.' }),
  };
  static handlesInterrupt = true;

  async run(): Promise<RedriveResult> {
    const { flags } = this;
    const dryRun = flags['dry-run'];
    if (!dryRun && !flags.yes && !this.interactive) {
      throw new UsageError('Refusing to redrive without confirmation (no terminal to ask on)', {
        hint: 'Pass --yes to redrive non-interactively, or --dry-run to only look.',
        code: 'CONFIRM_REQUIRED',
      });
    }
    const stack = await this.stack();
    const { redriveStack } = await import('../redrive/redrive.js');
    const result = await redriveStack({
      stack,
      dryRun,
      rejected: flags.rejected,
      reporter: this.reporter(),
      signal: this.interruptSignal,
      confirm: async ({ batches, location, rejected }) => {
        const what = `${batches === undefined ? 'the failed batches' : `${batches} failed batch${batches === 1 ? '' : 'es'}`} in ${location}${rejected ? ' and the re-sendable rejected records' : ''}`;
        return answerQuestion(
          { message: `Redrive ${what} of stack ${stack.name} into its stream?`, flag: '--yes' },
          { yes: flags.yes, interactive: this.interactive },
        );
      },
    });
    this.say(renderRedriveSummary(result, this.color));
    return result;
  }
}
