/** `streamproc producer rotate`: a new key for the producer identity, proven before the old one is deleted. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../../base-command.js';
import type { ProducerRotateResult } from '../../producer/rotate.js';
import { answerQuestion } from '../../ui/confirm.js';

export default class ProducerRotate extends StreamprocCommand<typeof ProducerRotate> {
  static description = `Replace the producer identity's access key, with no gap for running producers.

The stack is deployed with ProducerKeySerial raised by one: CloudFormation creates a new key for the producer user and writes it into the stack's secret, and keeps the old key (the template retains a replaced key). The new key then puts a test record into the stream (retried for up to 60 s while IAM makes the key known; the record has partition key streamproc-producer-key-check; the processor skips it, so nothing is stored). Only then is the old key deleted. Profiles that \`producer credentials\` wrote for this stack are rewritten with the new key first. A running \`ingest --as-producer\` switches to the new key when the old one is refused.

If a step fails before the delete, the old key still works; run the command again: it finds the old key and finishes the rotation without another deploy. Your credentials need iam:ListAccessKeys and iam:DeleteAccessKey on the producer user besides the deploy permissions. The aws target only: the local engine has no identities.

${EXIT_CODES_HELP}`;
  static examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Rotate the default stack’s producer key.' },
    {
      command: '<%= config.bin %> <%= command.id %> --stack tweets --json',
      description: 'JSON result (key ids, never the secret).',
    },
  ];
  static flags = {
    yes: Flags.boolean({
      char: 'y',
      description:
        'Answer yes if the deploy would also replace or delete other resources (the key’s own replacement needs no answer).',
    }),
  };

  protected override handlesInterrupt(): boolean {
    return true;
  }

  async run(): Promise<ProducerRotateResult> {
    const { flags } = this;
    const stack = await this.stack();
    const { rotateProducerKey } = await import('../../producer/rotate.js');
    const result = await rotateProducerKey({
      stack,
      reporter: this.reporter(),
      confirm: (question) => answerQuestion(question, { yes: flags.yes, interactive: this.interactive }),
      signal: this.interruptSignal,
    });
    const profiles = result.profilesRefreshed.length
      ? `refreshed ${result.profilesRefreshed.join(', ')} in ${result.credentialsFile}`
      : 'none written by streamproc for this stack';
    this.say(
      [
        `Rotated the producer key of stack ${result.stack}${result.resumed ? ' (finished an earlier rotation)' : ''}`,
        `  new key:     ${result.newKeyId}${result.serial === null ? '' : ` (ProducerKeySerial ${result.serial})`}`,
        `  test record: ${result.testRecord.sequenceNumber} in ${result.testRecord.streamName} (${result.testRecord.shardId})`,
        `  deleted:     ${result.deleted.join(', ')}`,
        `  profiles:    ${profiles}`,
      ].join('\n'),
    );
    return result;
  }
}
