/**
 * Stack names and every AWS resource name derived from them. The template builds the same names
 * with `!Sub '${AWS::StackName}-…'`; a test keeps the two in step.
 */

/** Suffixes appended to the stack name, and the AWS limit of the resource that carries each. */
const DERIVED_NAMES = {
  stream: { suffix: '-EventStream', limit: 128 },
  table: { suffix: '-EventData', limit: 255 },
  function: { suffix: '-DDBEventProcessor', limit: 64 },
  dlq: { suffix: '-EventProcessorDLQ', limit: 80 },
  producerUser: { suffix: '-Producer', limit: 64 },
  producerSecret: { suffix: '/producer-credentials', limit: 512 },
} as const;

export type DerivedResource = keyof typeof DERIVED_NAMES;

/** CloudFormation allows 128; the tightest derived name (the function, 64) sets the real limit. */
export const MAX_STACK_NAME_LENGTH = Math.min(
  128,
  ...Object.values(DERIVED_NAMES).map(({ suffix, limit }) => limit - suffix.length),
);

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/** Returns why `name` is not a usable stack name, or undefined when it is. */
export function stackNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the stack name is empty';
  if (!STACK_NAME.test(name)) {
    return `"${name}" is not a valid stack name: use letters, digits and hyphens, starting with a letter`;
  }
  if (name.length > MAX_STACK_NAME_LENGTH) {
    return (
      `"${name}" is ${name.length} characters; the limit is ${MAX_STACK_NAME_LENGTH} ` +
      `so that "${name}${DERIVED_NAMES.function.suffix}" fits Lambda's 64-character function names`
    );
  }
  return undefined;
}

export function resourceName(stack: string, resource: DerivedResource): string {
  return `${stack}${DERIVED_NAMES[resource].suffix}`;
}

/** All derived names of a stack; the template test holds the template to them. */
export function resourceNames(stack: string): Record<DerivedResource, string> {
  const names = {} as Record<DerivedResource, string>;
  for (const key of Object.keys(DERIVED_NAMES) as DerivedResource[]) names[key] = resourceName(stack, key);
  return names;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/** Returns why `region` is not an AWS region code, or undefined when it looks like one. */
export function regionProblem(region: string): string | undefined {
  if (!REGION.test(region)) return `"${region}" is not an AWS region code (like us-east-1 or eu-west-2)`;
  return undefined;
}
