/** `streamproc teardown`: the teardown service (src/stack/teardown.ts), confirmed by name first. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import { UserError } from '../errors.js';
import { teardownStack } from '../stack/teardown.js';
import type { TeardownResult } from '../target.js';
import { confirmDestructive } from '../ui/confirm.js';
import { renderDescription, renderTeardownResult } from '../ui/deploy-view.js';

export default class Teardown extends StreamprocCommand<typeof Teardown> {
  static description = `Delete everything deploy made for a stack.

Shows what will be deleted and asks you to type the stack name. Without a terminal it refuses unless given --yes or --confirm NAME. On the local target it stops the engine and removes the stack's data directory (--keep-data keeps it). A stack that does not exist is reported and exits 0.

${EXIT_CODES_HELP}`;
  static examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Asks before deleting the default stack.' },
    { command: '<%= config.bin %> <%= command.id %> --stack demo --confirm demo', description: 'In a script.' },
    {
      command: '<%= config.bin %> <%= command.id %> --yes --keep-data',
      description: 'Stop the local engine, keep its data.',
    },
  ];
  static flags = {
    confirm: Flags.string({ description: 'Confirm by naming the stack (for scripts).' }),
    'keep-data': Flags.boolean({
      description: 'Local target: keep the data directory (records, items, checkpoints, log).',
    }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation.' }),
  };

  async run(): Promise<TeardownResult> {
    const { flags } = this;
    const stack = await this.stack();
    const result = await teardownStack({
      stack,
      keepData: flags['keep-data'],
      confirm: async (description) => {
        this.say(renderDescription(stack.name, description));
        await this.confirm(stack.name, stack.settings.target);
      },
      reporter: this.reporter(),
      signal: this.interruptSignal,
    });
    this.say(renderTeardownResult(result, this.color));
    return result;
  }

  private async confirm(name: string, target: string): Promise<void> {
    const { flags } = this;
    const confirmed = await confirmDestructive({
      name,
      what: `stack ${name} (${target})`,
      confirm: flags.confirm,
      yes: flags.yes,
      interactive: this.interactive,
    });
    if (!confirmed) {
      throw new UserError('Teardown cancelled: the typed name did not match', {
        hint: `Type ${name} exactly, or pass --confirm ${name}.`,
        code: 'CANCELLED',
      });
    }
  }
}
