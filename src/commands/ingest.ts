/** `streamproc ingest`: the ingest service, its live view and summary, and the second-Ctrl-C hard exit. */
import { Flags } from '@oclif/core';
import { EXIT_CODES_HELP, StreamprocCommand } from '../base-command.js';
import { UsageError } from '../errors.js';
import type { IngestRun } from '../ingest/ingest.js';
import { POST_COST_ENV, X_POST_COST_USD } from '../ingest/post-billing.js';
import type { SourceState } from '../ingest/sources/source.js';
import { type IngestSummary, ingestVerdict } from '../ingest/summary.js';
import {
  billedStreamNotice,
  createIngestView,
  formatCount,
  type IngestView,
  renderIngestSummary,
} from '../ui/ingest-progress.js';
import { colorEnabled } from '../ui/style.js';

export default class Ingest extends StreamprocCommand<typeof Ingest> {
  static description =
    `Send posts into the stack's Kinesis stream: from the X API v2 filtered stream (or the sampled stream), from Bluesky's Jetstream, from a Mastodon instance's streaming API, from a file of newline-delimited JSON, or generated.

Sources (exactly one):
  --twitter           the X filtered stream; its rules are synced to the stack's keywords, tagged "streamproc:<stack>" so other rules on the app are never touched. Needs a bearer token (or API key + secret) from \`streamproc init\`. X bills every post read.
  --sample            the X sampled stream (about 1 % of all posts).
  --mastodon          a Mastodon instance's streaming API (free; many instances need an access token from \`streamproc init\`): one hashtag stream per keyword when every keyword is one word, else the public timeline filtered here; after a reconnect the gap is read through the REST timeline, nothing twice. --instance URL picks another instance for one run.
  --bluesky           every new Bluesky post through Jetstream (free, no account), filtered here by the keywords; resumes where the last run stopped (a cursor kept under the stack's data directory).
  --file PATH         replay NDJSON in the X v2 shape, the v1.1 shape, Jetstream or Mastodon events (a --record capture), or streamproc's own event shape (a given-up file); "-" reads stdin.
  --synthetic         realistic generated tweets (several languages, emoji, hashtags, mentions), deterministic per --seed.

Records are batched into PutRecords (up to 500 records / 5 MiB), partitioned by author; failed entries are retried with back-off until --retry-deadline, then written to a file you can replay with --file. Lines that are not usable tweets are counted and reported, never sent. Ctrl-C stops the source, sends what is buffered and prints the summary (exit 130); a second Ctrl-C exits at once and saves the unsent records.

The X API origin can be overridden with STREAMPROC_X_API_URL (for tests and HTTP proxies only); the Jetstream endpoint with STREAMPROC_JETSTREAM_URL (a self-hosted instance, tests), the Bluesky profile API used for unknown handles with STREAMPROC_BSKY_API_URL, the Mastodon instance with STREAMPROC_MASTODON_URL (the stack's token is sent only to the instance it was set for).

${EXIT_CODES_HELP}`;
  static examples = [
    {
      command: '<%= config.bin %> <%= command.id %> --synthetic --count 10000',
      description: 'Fill the local stack with 10,000 generated tweets.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --synthetic --rate 50 --seed 7',
      description: 'A steady demo load, the same tweets every time.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --file tweets.jsonl --rate 200',
      description: 'Replay a capture at 200 tweets per second.',
    },
    {
      command: 'zcat capture.jsonl.gz | <%= config.bin %> <%= command.id %> --file -',
      description: 'Replay from stdin.',
    },
    { command: '<%= config.bin %> <%= command.id %> --twitter', description: 'Stream the tracked keywords from X.' },
    {
      command: '<%= config.bin %> <%= command.id %> --bluesky --keywords aws,serverless --max-posts 100',
      description: 'The next 100 Bluesky posts about AWS or serverless (free).',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --bluesky --record capture.jsonl',
      description: 'Stream Bluesky and keep every message received, to replay later with --file capture.jsonl.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --mastodon --keywords aws,serverless --max-posts 50',
      description: "The next 50 posts tagged #aws or #serverless on the stack's Mastodon instance (hashtag streams).",
    },
    {
      command:
        '<%= config.bin %> <%= command.id %> --mastodon --instance https://fosstodon.org --keywords "aws lambda" --record toots.jsonl',
      description: 'The public timeline of another instance, filtered here for a phrase, kept for --file replay.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --synthetic --count 1000 --json',
      description: 'Print the summary as JSON.',
    },
  ];
  static flags = {
    'as-producer': Flags.boolean({
      allowNo: true,
      description:
        "aws target: send with the stack's producer identity (deploy --producer-identity) instead of your own credentials (default: the stack's `init --ingest-as`).",
    }),
    bluesky: Flags.boolean({ description: "Read Bluesky's Jetstream (every new post), filtered by the keywords." }),
    concurrency: Flags.integer({ description: 'PutRecords requests in flight at once.', default: 4, min: 1, max: 64 }),
    count: Flags.integer({
      description: 'With --synthetic: stop after this many tweets (default: until Ctrl-C).',
      min: 1,
    }),
    file: Flags.string({
      char: 'f',
      description: 'Replay newline-delimited JSON tweets from this file ("-" for stdin).',
    }),
    'from-line': Flags.integer({
      description:
        'With --file: start at this line (1-based), to resume a run that could neither send nor save some records.',
      min: 1,
    }),
    'given-up-file': Flags.string({
      description: "Where records that could not be sent are written (default: under the stack's data directory).",
    }),
    mastodon: Flags.boolean({
      description:
        "Read a Mastodon instance's streaming API: hashtag streams for one-word keywords, else the public timeline filtered by the keywords.",
    }),
    'max-posts': Flags.integer({
      description:
        'Stop cleanly once this many posts were sent (any source; with --twitter it caps what X bills you for).',
      min: 1,
    }),
    'post-cost': Flags.string({
      description: `With --twitter or --sample: what X charges per post read, in US dollars, for the spend estimate (default ${X_POST_COST_USD}, or $${POST_COST_ENV}).`,
    }),
    instance: Flags.string({
      description:
        "With --mastodon: the instance's URL for this run (default: the stack's, from `init --mastodon-instance`, else https://mastodon.social).",
    }),
    keywords: Flags.string({
      description:
        "Comma-separated keywords for this run instead of the stack's (--twitter, --bluesky, --mastodon, --synthetic; with --file, only matching posts are sent). A word matches whole words and hashtags, case-insensitively; #tag matches the hashtag only.",
    }),
    linger: Flags.integer({
      description: 'Milliseconds a partial batch waits for more records before it is sent.',
      default: 100,
      min: 0,
      max: 10_000,
    }),
    rate: Flags.integer({
      description: 'With --file or --synthetic: records per second (default: as fast as the stream takes them).',
      min: 1,
    }),
    record: Flags.string({
      description:
        'With --bluesky, --mastodon, --twitter or --sample: append every message received, as received, to this file (replay it with --file).',
    }),
    'retry-deadline': Flags.integer({
      description: 'Seconds to keep retrying a failing record before giving up on it.',
      default: 60,
      min: 1,
    }),
    sample: Flags.boolean({ description: 'Use the X sampled stream instead of the filtered stream.' }),
    seed: Flags.integer({
      description: 'With --synthetic: seed for the generated tweets (default: random, shown in the output).',
      min: 0,
    }),
    stream: Flags.string({ description: "Kinesis stream name (default: the stack's stream)." }),
    synthetic: Flags.boolean({ description: 'Generate realistic tweets.' }),
    twitter: Flags.boolean({ description: "Read the X API v2 filtered stream for the stack's keywords." }),
  };
  static handlesInterrupt = true;

  async run(): Promise<IngestSummary> {
    const { flags } = this;
    const { checkSourceChoice } = await import('../ingest/open-source.js');
    const choice = {
      twitter: flags.twitter,
      sample: flags.sample,
      bluesky: flags.bluesky,
      mastodon: flags.mastodon,
      instance: flags.instance,
      keywords: flags.keywords,
      record: flags.record,
      file: flags.file,
      synthetic: flags.synthetic,
      count: flags.count,
      rate: flags.rate,
      seed: flags.seed,
      fromLine: flags['from-line'],
      postCost: flags['post-cost'],
    };
    checkSourceChoice(choice);
    if (flags.stream !== undefined && flags.stream.trim() === '')
      throw new UsageError('--stream needs a stream name', {
        hint: "Pass --stream NAME, or leave it out to use the stack's stream.",
      });
    const stack = await this.stack();

    let view: IngestView | undefined;
    const pending: SourceState[] = [];
    const { ingestIntoStack } = await import('../ingest/ingest.js');
    const run: IngestRun = await ingestIntoStack({
      stack,
      source: choice,
      streamName: flags.stream,
      givenUpFile: flags['given-up-file'],
      onSourceState: (state) => (view ? view.state(state) : pending.push(state)),
      signal: this.interruptSignal,
      lingerMs: flags.linger,
      concurrency: flags.concurrency,
      retryDeadlineMs: flags['retry-deadline'] * 1000,
      maxPosts: flags['max-posts'],
      onBadLine: (bad) => view?.badLine(bad),
      onWarning: (message) => view?.warn(message),
      asProducer: flags['as-producer'] ?? stack.settings.ingestAs === 'producer',
    });
    const stopHook = this.reportUnsentOnHardExit(run);
    if (!this.jsonEnabled()) {
      view = createIngestView({
        interactive: Boolean(process.stderr.isTTY),
        color: colorEnabled(process.stderr),
        progress: run.progress,
      });
      for (const state of pending.splice(0)) view.state(state);
      const billing = run.progress().billing;
      if (billing) view.warn(billedStreamNotice(billing.costPerPostUsd, flags['max-posts']));
    }
    const onInterrupt = () =>
      view?.warn(
        `Stopping: sending the ${formatCount(run.unsentCount())} buffered record(s); Ctrl-C again to quit at once.`,
      );
    this.interruptSignal.addEventListener('abort', onInterrupt, { once: true });
    try {
      const summary = await run.done;
      view?.stop();
      this.say(renderIngestSummary(summary, this.color));
      const verdict = ingestVerdict(summary);
      if (verdict.problem && !this.jsonEnabled()) process.stderr.write(`Error: ${verdict.problem}\n`);
      if (verdict.exit !== 0) process.exitCode = verdict.exit;
      return summary;
    } finally {
      view?.stop();
      stopHook();
      this.interruptSignal.removeEventListener('abort', onInterrupt);
    }
  }

  /**
   * The base command ends the process on a second Ctrl-C with `process.exit`, which no awaiting
   * code survives; an 'exit' listener is the one hook that still runs then. It saves the unsent
   * records (synchronously) and says how many, so the quick exit loses nothing silently.
   */
  private reportUnsentOnHardExit(run: IngestRun): () => void {
    const onExit = () => {
      const { count, path } = run.saveUnsent();
      const message =
        count > 0
          ? `${formatCount(count)} record(s) were not sent (buffered or in flight); saved to ${path} — replay them with: streamproc ingest --file ${path}\n`
          : 'Every accepted record had been sent.\n';
      process.stderr.write(message);
    };
    process.once('exit', onExit);
    return () => process.off('exit', onExit);
  }
}
