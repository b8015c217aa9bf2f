/** `streamproc deploy`: flags into the deploy service (src/stack/deploy.ts), its result rendered. */
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import type { DeployResult } from '../target.js';
import { answerQuestion } from '../ui/confirm.js';
import { renderDeployResult } from '../ui/deploy-view.js';

export default class Deploy extends StreamprocCommand<typeof Deploy> {
  static description = `Create or update the pipeline: stream, processor, table and the mapping between them.

On the local target (the default) this starts the embedded engine in the background (Kinesis and DynamoDB emulators on 127.0.0.1, data under the stack's data directory) and provisions from templates/stream-processing.yaml. Running it again applies what changed in place (a new processor bundle is hot-swapped) and says so; with nothing changed it exits 0. If the engine died, deploy restarts it on the same data without losing records or checkpoints.

On the aws target it creates or updates the CloudFormation stack.

Parameters come from the template's defaults, the stack's saved parameters, its retention setting, then the flags; flags given are saved for the next deploy.

${EXIT_CODES_HELP}`;
  static examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Start (or update) the default stack.' },
    {
      command: '<%= config.bin %> <%= command.id %> --shards 2 --batch-size 50',
      description: 'With two shards and smaller batches.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --processor ./my-handler.ts',
      description: 'Run a custom handler instead of the built-in processor.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --consumer ./archiver.ts --consumer-starting-position TRIM_HORIZON',
      description:
        'Add a second consumer on the same stream: its own function and mapping, with its own checkpoints (--no-consumer removes it).',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --parallelization-factor 4 --tumbling-window 60',
      description: 'Four concurrent batches per shard, aggregated over 60-second tumbling windows.',
    },
    {
      command: `<%= config.bin %> <%= command.id %> --filter '{"data":{"lang":["en"]}}'`,
      description: 'Deliver only English tweets to the processor (the others are dropped and checkpointed).',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --starting-timestamp 2026-01-31T12:00:00Z',
      description: 'A new mapping reads each shard from that time (StartingPosition AT_TIMESTAMP).',
    },
    {
      command: '<%= config.bin %> <%= command.id %> -p LogLevel=debug --json',
      description: 'Any template parameter; JSON result.',
    },
  ];
  static flags = {
    'batch-size': Flags.integer({ description: 'Records per processor invocation (BatchSize).', min: 1 }),
    'batching-window': Flags.integer({
      description: 'Seconds the mapping may wait to fill a batch (MaximumBatchingWindowInSeconds).',
      min: 0,
    }),
    'clear-filters': Flags.boolean({
      description: 'Remove every saved --filter pattern: the mapping delivers every record again.',
      exclusive: ['filter'],
    }),
    consumer: Flags.string({
      description:
        'Bundle this TypeScript or JavaScript handler and run it as a second consumer of the stream, with its own event source mapping and checkpoints (kept on later deploys until --no-consumer).',
      exclusive: ['no-consumer'],
    }),
    'consumer-batch-size': Flags.integer({
      description: 'Records per invocation of the second consumer (ConsumerBatchSize).',
      min: 1,
      max: 10_000,
    }),
    'consumer-starting-position': Flags.string({
      description: 'Where the second consumer starts reading a shard (ConsumerStartingPosition; default LATEST).',
      options: ['TRIM_HORIZON', 'LATEST'],
    }),
    'disable-mapping': Flags.boolean({
      description:
        'Pause the event source mapping (MappingEnabled=false); it resumes from its checkpoint when enabled.',
      exclusive: ['enable-mapping'],
    }),
    'enable-mapping': Flags.boolean({ description: 'Resume a paused event source mapping (MappingEnabled=true).' }),
    filter: Flags.string({
      description:
        'Deliver only records whose JSON data matches this Lambda filter pattern, e.g. \'{"data":{"lang":["en"]}}\' (repeatable, at most 5, any may match; replaces the saved ones).',
      multiple: true,
    }),
    memory: Flags.integer({ description: 'Processor memory in MB (MemorySize).' }),
    'no-consumer': Flags.boolean({
      description: 'Remove the second consumer (its function, mapping and checkpoints).',
      aliases: ['remove-consumer'],
    }),
    'parallelization-factor': Flags.integer({
      description: 'Concurrent batches per shard, 1-10; order is kept per partition key (ParallelizationFactor).',
    }),
    parameter: Flags.string({
      char: 'p',
      description: 'Set any template parameter, Name=Value (repeatable).',
      multiple: true,
    }),
    processor: Flags.string({
      description: 'Bundle and run this TypeScript or JavaScript handler instead of the built-in one.',
    }),
    'producer-identity': Flags.boolean({
      description: 'Create a write-only producer identity (CreateProducerIdentity; AWS only, skipped locally).',
    }),
    shards: Flags.integer({ description: 'Shards in the stream (ShardCount).', min: 1 }),
    'starting-position': Flags.string({
      description: 'Where the mapping starts reading a shard it has no checkpoint for (StartingPosition).',
      options: ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
    }),
    'starting-timestamp': Flags.string({
      description:
        'With AT_TIMESTAMP (implied): start at the first record that arrived at or after this ISO-8601 time (StartingPositionTimestamp).',
    }),
    timeout: Flags.integer({ description: 'Processor timeout in seconds (FunctionTimeout).' }),
    'tumbling-window': Flags.integer({
      description:
        'Seconds of a tumbling window the processor aggregates over, 0-900; 0 = off (TumblingWindowInSeconds).',
    }),
    yes: Flags.boolean({ char: 'y', description: 'Answer yes to questions the deploy asks (replacements on AWS).' }),
  };

  /**
   * On AWS, Ctrl-C stops watching and says the stack operation goes on in CloudFormation; the
   * local deploy takes a second and has nothing to leave running, so Ctrl-C simply exits.
   */
  protected override handlesInterrupt(): boolean {
    return this.deployTarget === 'aws';
  }

  private deployTarget?: string;

  async run(): Promise<DeployResult> {
    const { flags } = this;
    const stack = await this.stack();
    this.deployTarget = stack.settings.target;
    // Loaded here: the service reads the template with the YAML parser, which `--help` must not load.
    const { deployStack } = await import('../stack/deploy.js');
    const { result } = await deployStack({
      stack,
      parameterFlags: {
        shards: flags.shards,
        'batch-size': flags['batch-size'],
        'batching-window': flags['batching-window'],
        memory: flags.memory,
        timeout: flags.timeout,
        'producer-identity': flags['producer-identity'] ? 'true' : undefined,
        'parallelization-factor': flags['parallelization-factor'],
        'tumbling-window': flags['tumbling-window'],
        'consumer-batch-size': flags['consumer-batch-size'],
        'consumer-starting-position': flags['consumer-starting-position'],
      },
      parameterAssignments: flags.parameter,
      mappingFlags: {
        filter: flags.filter,
        clearFilters: flags['clear-filters'],
        startingPosition: flags['starting-position'],
        startingTimestamp: flags['starting-timestamp'],
        enableMapping: flags['enable-mapping'],
        disableMapping: flags['disable-mapping'],
      },
      ...(flags.processor ? { processorEntry: resolve(flags.processor) } : {}),
      ...(flags.consumer
        ? { consumerEntry: resolve(flags.consumer) }
        : flags['no-consumer']
          ? { consumerEntry: false }
          : {}),
      reporter: this.reporter(),
      confirm: (question) => answerQuestion(question, { yes: flags.yes, interactive: this.interactive }),
      signal: this.interruptSignal,
    });
    this.say(renderDeployResult(result, this.color));
    return result;
  }
}
