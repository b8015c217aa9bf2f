/**
 * The one place that loads a target implementation, lazily: each pulls in heavy modules (the AWS
 * SDK's CloudFormation client, the local engine launcher), and `--help` must not pay for them.
 */
import type { StackSettings } from './config/settings.js';
import type { StackTarget } from './target.js';

/** The implementation for a stack's target, loaded on demand (each pulls in heavy modules). */
export async function targetFor(settings: StackSettings): Promise<StackTarget> {
  if (settings.target === 'aws') {
    const { awsTarget } = await import('./stack/aws/target.js');
    return awsTarget();
  }
  const { localTarget } = await import('./local/target/target.js');
  return localTarget();
}
