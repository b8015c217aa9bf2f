/** What a local deploy asks the engine for: the bundled template with the deploy's resolved parameters, as a LocalPipeline. */
import type { ResolvedStack } from '../../config/store.js';
import type { DeployOptions } from '../../target.js';
import { LOCAL_REGION } from '../engine/constants.js';
import type { EnginePaths } from '../engine/paths.js';
import type { LocalPipeline } from '../engine/protocol.js';
import { localPipelineSpec } from './pipeline-spec.js';

export function regionOf(stack: ResolvedStack): string {
  return stack.settings.region ?? LOCAL_REGION;
}

/**
 * `extra` holds what the local deploy sets itself (ConsumerCodeS3Key once it knows the consumer's
 * bundle), as deploy sets CodeS3Key on AWS.
 */
export async function desiredPipeline(
  options: DeployOptions,
  paths: EnginePaths,
  extra: Record<string, string> = {},
): Promise<LocalPipeline> {
  const { loadTemplate } = await import('../../stack/template.js');
  const template = await loadTemplate();
  // Resolved and checked against the template by the deploy service.
  const values = { ...options.parameters, ...extra };
  return localPipelineSpec(template, {
    stack: options.stack.name,
    region: regionOf(options.stack),
    parameters: values,
    failureFile: paths.failures,
    logFile: paths.log,
  });
}
