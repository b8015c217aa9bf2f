/**
 * The deploy service: parameters resolved once for both targets, the target's deploy, then the
 * flag parameters and outputs saved into the stack's settings (the one writer of both).
 */
import { type ResolvedStack, updateStackSettings } from '../config/store.js';
import type { Reporter } from '../progress.js';
import type { ConfirmQuestion, DeployResult, StackTarget } from '../target.js';
import { targetFor } from '../targets.js';
import {
  deployParameterOverrides,
  flagParameters,
  type ParameterFlag,
  resolveDeployParameters,
  settingsWithFlagParameters,
} from './deploy-parameters.js';
import { type MappingFlags, mappingFlagParameters, withMappingParameters } from './mapping-flags.js';
import { checkProcessorEntry } from './processor-bundle.js';
import { loadTemplate } from './template.js';

export interface DeployStackOptions {
  stack: ResolvedStack;
  /** Deploy's named parameter flags (`--shards`, `--batch-size`, …); undefined or false when not given. */
  parameterFlags?: Partial<Record<ParameterFlag, string | number | boolean | undefined>>;
  /** `--parameter Name=Value` assignments. Default none. */
  parameterAssignments?: readonly string[];
  /** `--filter`, `--starting-position`, `--starting-timestamp`, `--enable-mapping`/`--disable-mapping`. Default none. */
  mappingFlags?: MappingFlags;
  /** A custom processor source file (absolute path) to bundle instead of the built-in one. */
  processorEntry?: string;
  /** AWS: keep the processor code the stack runs instead of bundling one (see DeployOptions). */
  keepProcessorCode?: boolean;
  /**
   * A second consumer's handler source (absolute path) to bundle and run on the same stream;
   * `false` removes it. Default: the deployed consumer, if any, stays.
   */
  consumerEntry?: string | false;
  reporter: Reporter;
  /** Asks the user; rejects with a UsageError when nobody can answer and the flag was not given. */
  confirm: (question: ConfirmQuestion) => Promise<boolean>;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** The target to deploy to. Default: the stack's own, from `targetFor`. */
  target?: StackTarget;
}

export interface StackDeployment {
  result: DeployResult;
  /**
   * The stack as it is after the deploy (saved parameters and outputs included), for callers that
   * go on to ingest or browse: the aws target finds the stream and table through its outputs.
   */
  stack: ResolvedStack;
}

export async function deployStack(options: DeployStackOptions): Promise<StackDeployment> {
  const { stack, reporter } = options;
  const fromFlags = withMappingParameters(
    flagParameters(options.parameterFlags ?? {}, options.parameterAssignments),
    mappingFlagParameters(options.mappingFlags ?? {}),
  );
  const { values, ignored } = resolveDeployParameters(
    await loadTemplate(),
    deployParameterOverrides(stack.settings, fromFlags),
  );
  for (const name of ignored) reporter.warn(`${name} is set by deploy; ignoring --parameter ${name}`);
  if (options.processorEntry) await checkProcessorEntry(options.processorEntry);
  if (options.consumerEntry) await checkProcessorEntry(options.consumerEntry, '--consumer');
  const target = options.target ?? (await targetFor(stack.settings));
  const result = await target.deploy({
    stack,
    parameters: values,
    ...(options.processorEntry ? { processorEntry: options.processorEntry } : {}),
    ...(options.keepProcessorCode ? { keepProcessorCode: true } : {}),
    ...(options.consumerEntry !== undefined ? { consumerEntry: options.consumerEntry } : {}),
    reporter,
    confirm: options.confirm,
    signal: options.signal,
  });
  // Ignored parameters are not kept either, so that the next deploy does not warn about them again.
  const saved = Object.fromEntries(Object.entries(fromFlags).filter(([name]) => !ignored.includes(name)));
  const next = (current: ResolvedStack['settings']) => ({
    ...settingsWithFlagParameters(current, saved),
    outputs: result.outputs,
  });
  if (!stack.configured) return { result, stack: { ...stack, settings: next(stack.settings) } };
  const file = await updateStackSettings(stack.name, (current) => next(current ?? stack.settings), {
    file: stack.file,
  });
  return { result, stack: { ...stack, settings: file.stacks[stack.name] ?? next(stack.settings) } };
}
