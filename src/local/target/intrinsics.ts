/**
 * Evaluates the CloudFormation intrinsic functions the local engine needs (Ref, Fn::Sub,
 * Fn::GetAtt, Fn::If and the condition functions, Fn::Join, Fn::Select) against local values.
 * Anything it cannot resolve throws, naming the expression: a silent placeholder would provision
 * the wrong thing.
 */

export interface IntrinsicContext {
  parameters: Record<string, string>;
  /** AWS::StackName, AWS::Region, AWS::AccountId, AWS::Partition, AWS::URLSuffix. */
  pseudo: Record<string, string>;
  /** Ref of a resource (its physical id locally). */
  refs: Record<string, string>;
  /** `LogicalId.Attribute` → value. */
  attributes: Record<string, string>;
  /** Evaluated template conditions. */
  conditions: Record<string, boolean>;
}

/** Marker for AWS::NoValue: the property is removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

export class IntrinsicError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ref(name: string, ctx: IntrinsicContext): string | typeof NO_VALUE {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name in ctx.parameters) return ctx.parameters[name] as string;
  if (name in ctx.pseudo) return ctx.pseudo[name] as string;
  if (name in ctx.refs) return ctx.refs[name] as string;
  throw new IntrinsicError(`cannot resolve Ref ${name} locally`);
}

function getAtt(spec: unknown, ctx: IntrinsicContext): string {
  const [id, attr] = Array.isArray(spec) ? spec : String(spec).split(/\.(.*)/s);
  const key = `${String(id)}.${String(attr)}`;
  const value = ctx.attributes[key];
  if (value === undefined) throw new IntrinsicError(`cannot resolve Fn::GetAtt ${key} locally`);
  return value;
}

function sub(spec: unknown, ctx: IntrinsicContext): string {
  const [text, vars] = Array.isArray(spec)
    ? [String(spec[0]), (spec[1] ?? {}) as Record<string, unknown>]
    : [String(spec), {}];
  const locals: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) locals[k] = String(evaluate(v, ctx));
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_whole, bang: string, name: string) => {
    if (bang) return `\${${name}}`;
    if (name in locals) return locals[name] as string;
    if (name.includes('.') && !name.startsWith('AWS::')) return getAtt(name, ctx);
    const value = ref(name, ctx);
    if (value === NO_VALUE) throw new IntrinsicError('AWS::NoValue inside Fn::Sub');
    return value;
  });
}

/** Evaluates a condition expression (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition). */
export function evaluateCondition(value: unknown, ctx: IntrinsicContext): boolean {
  if (typeof value === 'boolean') return value;
  if (!isRecord(value)) throw new IntrinsicError(`not a condition: ${JSON.stringify(value)}`);
  const [fn, arg] = Object.entries(value)[0] ?? [];
  const args = Array.isArray(arg) ? arg : [arg];
  switch (fn) {
    case 'Fn::Equals':
      return String(evaluate(args[0], ctx)) === String(evaluate(args[1], ctx));
    case 'Fn::Not':
      return !evaluateCondition(args[0], ctx);
    case 'Fn::And':
      return args.every((a) => evaluateCondition(a, ctx));
    case 'Fn::Or':
      return args.some((a) => evaluateCondition(a, ctx));
    case 'Condition': {
      const name = String(arg);
      if (!(name in ctx.conditions)) throw new IntrinsicError(`unknown condition ${name}`);
      return ctx.conditions[name] as boolean;
    }
    default:
      throw new IntrinsicError(`unsupported condition function ${fn}`);
  }
}

/** Evaluates every template condition in order of dependency. */
export function evaluateConditions(
  conditions: Record<string, unknown> | undefined,
  ctx: Omit<IntrinsicContext, 'conditions'>,
): Record<string, boolean> {
  const result: Record<string, boolean> = {};
  const pending = new Map(Object.entries(conditions ?? {}));
  while (pending.size > 0) {
    let progressed = false;
    for (const [name, expression] of pending) {
      try {
        result[name] = evaluateCondition(expression, { ...ctx, conditions: result });
        pending.delete(name);
        progressed = true;
      } catch (error) {
        if (!(error instanceof IntrinsicError) || !/unknown condition/.test(error.message)) throw error;
      }
    }
    if (!progressed)
      throw new IntrinsicError(`conditions refer to each other or to unknown ones: ${[...pending.keys()].join(', ')}`);
  }
  return result;
}

/** Evaluates a property value, recursively; AWS::NoValue entries are dropped from maps and lists. */
export function evaluate(value: unknown, ctx: IntrinsicContext): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx)).filter((v) => v !== NO_VALUE);
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const fn = keys[0] as string;
    const arg = value[fn];
    switch (fn) {
      case 'Ref':
        return ref(String(arg), ctx);
      case 'Fn::GetAtt':
        return getAtt(arg, ctx);
      case 'Fn::Sub':
        return sub(arg, ctx);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        if (!(condition in ctx.conditions)) throw new IntrinsicError(`unknown condition ${condition}`);
        return evaluate(ctx.conditions[condition] ? whenTrue : whenFalse, ctx);
      }
      case 'Fn::Join': {
        const [sep, list] = arg as [string, unknown];
        return (evaluate(list, ctx) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (evaluate(list, ctx) as unknown[])[Number(evaluate(index, ctx))];
      }
      case 'Fn::Equals':
      case 'Fn::Not':
      case 'Fn::And':
      case 'Fn::Or':
      case 'Condition':
        return evaluateCondition(value, ctx);
      default:
        if (fn.startsWith('Fn::')) throw new IntrinsicError(`${fn} is not supported by the local engine`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const evaluated = evaluate(v, ctx);
    if (evaluated !== NO_VALUE) out[k] = evaluated;
  }
  return out;
}
