/**
 * Reading a LocalPipeline: which function a mapping invokes, which mapping is the processor's,
 * and the upgrade of a pipeline saved by an engine that ran exactly one function and mapping
 * (`function` and `mapping` instead of the lists), so that a restart on old data restores it.
 */
import type { FunctionSpec, LocalPipeline, MappingSpec } from './protocol.js';

/** A pipeline.json as an engine before multiple mappings wrote it. */
interface SingleMappingPipeline extends Omit<LocalPipeline, 'functions' | 'mappings'> {
  function: FunctionSpec;
  mapping: Omit<MappingSpec, 'functionLogicalId' | 'streamLogicalId'> & Partial<MappingSpec>;
}

/** The pipeline in today's shape, whichever shape it was saved in. */
export function normalizePipeline(saved: LocalPipeline | SingleMappingPipeline): LocalPipeline {
  if ('functions' in saved && Array.isArray(saved.functions)) return saved;
  const { function: fn, mapping, ...rest } = saved as SingleMappingPipeline;
  return {
    ...rest,
    functions: [{ codeParameter: 'CodeS3Key', ...fn }],
    mappings: [
      {
        ...mapping,
        functionLogicalId: mapping.functionLogicalId ?? fn.logicalId,
        streamLogicalId: mapping.streamLogicalId ?? rest.stream.logicalId,
      },
    ],
  };
}

export function functionOf(pipeline: LocalPipeline, mapping: MappingSpec): FunctionSpec {
  const fn = pipeline.functions.find((f) => f.logicalId === mapping.functionLogicalId);
  if (!fn)
    throw new Error(`mapping ${mapping.logicalId} names function ${mapping.functionLogicalId}, not in the pipeline`);
  return fn;
}

/** The processor: the function whose code is the stack's CodeS3Key, else the first. */
export function primaryFunction(pipeline: LocalPipeline): FunctionSpec {
  const fn = pipeline.functions.find((f) => f.codeParameter === 'CodeS3Key') ?? pipeline.functions[0];
  if (!fn) throw new Error('the pipeline has no function');
  return fn;
}

/** The processor's mapping, else the first. */
export function primaryMapping(pipeline: LocalPipeline): MappingSpec {
  const fn = primaryFunction(pipeline);
  const mapping = pipeline.mappings.find((m) => m.functionLogicalId === fn.logicalId) ?? pipeline.mappings[0];
  if (!mapping) throw new Error('the pipeline has no event source mapping');
  return mapping;
}
