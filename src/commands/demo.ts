/** `streamproc demo`: the quick-start service (src/demo/demo.ts), its arrivals and summary rendered. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import type { DemoResult } from '../demo/demo.js';
import { ExitCode } from '../errors.js';
import { answerQuestion } from '../ui/confirm.js';
import { createDemoView, renderDemoSummary } from '../ui/demo-view.js';

export default class Demo extends StreamprocCommand<typeof Demo> {
  static description =
    `Run the whole pipeline once: deploy the stack, ingest synthetic tweets while showing them arrive in the table, then print what happened.

The summary gives the records sent, this run's tweets found in the table, the end-to-end latency (Kinesis arrival to item written, p50/p99) and the rejected count. The stack keeps running afterwards, so you can go on with browse, ingest and teardown; --teardown removes it at the end instead. On the default local target this needs no AWS account; on an aws stack it deploys to AWS.

${EXIT_CODES_HELP}`;
  static examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'The quick start (`npm start` runs this).' },
    {
      command: '<%= config.bin %> <%= command.id %> --count 10000 --rate 1000',
      description: 'A bigger, faster run.',
    },
    { command: '<%= config.bin %> <%= command.id %> --teardown', description: 'Leave nothing behind.' },
    { command: '<%= config.bin %> <%= command.id %> --json --seed 7', description: 'Figures as JSON.' },
  ];
  static flags = {
    count: Flags.integer({ default: 3000, description: 'Synthetic tweets to send.', min: 1, max: 1_000_000 }),
    rate: Flags.integer({ default: 500, description: 'Tweets per second.', min: 1, max: 100_000 }),
    seed: Flags.integer({ description: 'Seed for the synthetic tweets (default: random).', min: 0 }),
    teardown: Flags.boolean({ description: 'Remove the stack at the end.' }),
    yes: Flags.boolean({ char: 'y', description: 'Answer yes to questions the deploy asks (replacements on AWS).' }),
  };
  static handlesInterrupt = true;

  async run(): Promise<DemoResult> {
    const { flags } = this;
    const stack = await this.stack();
    const { runDemo, checkDemo } = await import('../demo/demo.js');
    const view = this.jsonEnabled()
      ? undefined
      : createDemoView({ color: this.color, width: process.stdout.columns || 100, count: flags.count });
    this.say(
      `streamproc demo: stack "${stack.name}" (${stack.settings.target}), ` +
        `${flags.count.toLocaleString('en-US')} synthetic tweets at ${flags.rate}/s\n`,
    );
    const result = await runDemo({
      stack,
      count: flags.count,
      rate: flags.rate,
      seed: flags.seed,
      teardown: flags.teardown,
      reporter: this.reporter(),
      confirm: (question) => answerQuestion(question, { yes: this.flags.yes, interactive: this.interactive }),
      signal: this.interruptSignal,
      onTweets: view ? (items, found) => this.say(view.arrived(items, found)) : undefined,
    });
    this.say(renderDemoSummary(result, { color: this.color, defaultStack: !this.flags.stack }));
    if (this.interruptSignal.aborted) process.exitCode = ExitCode.interrupted;
    else checkDemo(result);
    return result;
  }
}
