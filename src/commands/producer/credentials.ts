/** `streamproc producer credentials`: the producer identity as an AWS profile other clients can use. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../../base-command.js';
import { UsageError } from '../../errors.js';
import { type ProducerCredentialsResult, producerCredentials } from '../../producer/credentials.js';

export default class ProducerCredentials extends StreamprocCommand<typeof ProducerCredentials> {
  static description = `Write the stack's producer identity as an AWS shared-credentials profile.

The key comes from the stack's Secrets Manager secret (deploy --producer-identity creates it), read with your own credentials. The profile (default streamproc-<stack>-producer) goes into ~/.aws/credentials, or AWS_SHARED_CREDENTIALS_FILE; the file stays 0600 and its other profiles and comments are kept. Any client can then run as the producer, which may only put records into this stack's stream: \`aws --profile NAME kinesis put-record …\`, the seed's Python producer, a KPL app. The secret itself is never printed, except with --stdout --yes.

${EXIT_CODES_HELP}`;
  static examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Write profile streamproc-<stack>-producer.' },
    { command: '<%= config.bin %> <%= command.id %> --profile tweets-writer', description: 'Another name.' },
    {
      command: '<%= config.bin %> <%= command.id %> --stdout --yes >> "$CI_SECRETS_ENV"',
      description: 'export lines for a CI system (they hold the secret key).',
    },
  ];
  static flags = {
    profile: Flags.string({ description: 'Profile name (default: streamproc-<stack>-producer).' }),
    stdout: Flags.boolean({
      description: 'Print export lines with the key instead of writing a profile (needs --yes).',
    }),
    yes: Flags.boolean({ char: 'y', description: 'With --stdout: yes, print the secret key.' }),
  };

  async run(): Promise<Omit<ProducerCredentialsResult, 'exports'>> {
    const { flags } = this;
    if (flags.stdout && flags.profile !== undefined) {
      throw new UsageError('--stdout prints the key instead of writing a profile: --profile does not apply', {
        hint: 'Drop --profile, or drop --stdout.',
        code: 'FLAG_COMBINATION',
      });
    }
    if (flags.stdout && !flags.yes) {
      throw new UsageError('--stdout prints the secret access key', {
        hint: 'Add --yes if that is what you want (e.g. to store it in a CI secret), or write a profile instead.',
        code: 'CONFIRM_SECRET',
      });
    }
    if (flags.stdout && this.jsonEnabled()) {
      throw new UsageError('--stdout and --json do not combine: the key is never part of JSON output', {
        hint: 'Drop --json.',
        code: 'FLAG_COMBINATION',
      });
    }
    const stack = await this.stack();
    const { exports, ...result } = await producerCredentials({ stack, profile: flags.profile, stdout: flags.stdout });
    if (exports !== undefined) {
      process.stderr.write("Warning: the lines below hold the producer's secret access key; keep them secret.\n");
      process.stdout.write(`${exports}\n`);
      return result;
    }
    this.say(
      [
        `Wrote profile ${result.profile} to ${result.file}`,
        `  identity: ${result.identity ?? 'unknown (STS did not answer)'}`,
        `  stream:   ${result.streamArn ?? result.streamName ?? 'unknown'}`,
        `Use it with AWS_PROFILE=${result.profile} or --profile ${result.profile}.`,
      ].join('\n'),
    );
    return result;
  }
}
