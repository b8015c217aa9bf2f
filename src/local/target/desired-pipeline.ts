/** What a local deploy asks the engine for: the bundled template, its parameters resolved, translated to a LocalPipeline. */
import type { ResolvedStack } from '../../config/store.js';
import { UsageError } from '../../errors.js';
import type { DeployOptions } from '../../target.js';
import { LOCAL_REGION } from '../engine/constants.js';
import type { EnginePaths } from '../engine/paths.js';
import type { LocalPipeline } from '../engine/protocol.js';
import { localPipelineSpec } from './pipeline-spec.js';

/** Parameters only AWS needs (the code is uploaded to S3 there). */
const AWS_ONLY_PARAMETERS = new Set(['CodeS3Bucket', 'CodeS3Key']);

export function regionOf(stack: ResolvedStack): string {
  return stack.settings.region ?? LOCAL_REGION;
}

export async function desiredPipeline(options: DeployOptions, paths: EnginePaths): Promise<LocalPipeline> {
  const { loadTemplate, missingParameters, resolveParameters } = await import('../../stack/template.js');
  const template = await loadTemplate();
  let values: Record<string, string>;
  try {
    values = resolveParameters(template, options.parameters);
  } catch (error) {
    throw new UsageError((error as Error).message, {
      hint: 'Fix the value (see `streamproc deploy --help` for the parameters).',
      code: 'BAD_PARAMETER',
    });
  }
  const missing = missingParameters(template, values).filter((p) => !AWS_ONLY_PARAMETERS.has(p));
  if (missing.length > 0) {
    throw new UsageError(`Missing template parameters: ${missing.join(', ')}`, {
      hint: `Pass them with --parameter ${missing[0]}=VALUE.`,
      code: 'MISSING_PARAMETER',
    });
  }
  return localPipelineSpec(template, {
    stack: options.stack.name,
    region: regionOf(options.stack),
    parameters: values,
    failureFile: paths.failures,
    logFile: paths.log,
  });
}
