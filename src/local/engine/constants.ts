/** Fixed values both sides of the local target share: the account, region and credentials of the emulated AWS. */

/** The account in every local ARN; no real account has it. */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** The region a stack without one in its settings runs in locally. */
export const LOCAL_REGION = 'us-east-1';
/** The dummy credentials every local client uses; the emulators accept any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
/** How often the engine's TTL sweeper runs (dynalite has no TTL); deploy tells the user this figure. */
export const TTL_SWEEP_INTERVAL_MS = 60_000;
/** Most shards one local stream may have; kinesalite's default (10) is lower than the template allows. */
export const LOCAL_SHARD_LIMIT = 64;
