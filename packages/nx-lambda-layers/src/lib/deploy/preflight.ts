import { resourcesOf } from '../template';
import { isSsmTyped, type TemplateParameter } from './parameters';

/**
 * IAM resource types for which CloudFormation requires `CAPABILITY_IAM`,
 * with the property that, when set, requires `CAPABILITY_NAMED_IAM`
 * instead (source: CreateChangeSet `Capabilities` in the CloudFormation API
 * reference).
 */
const IAM_RESOURCE_NAME_PROPERTIES: Record<string, string | undefined> = {
  'AWS::IAM::AccessKey': undefined,
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Policy': undefined,
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::UserToGroupAddition': undefined,
};

/**
 * Throws, naming the resources, when the templates (the stack's and its
 * nested ones) have IAM resources and `capabilities` lacks the capability
 * CloudFormation would request. The local emulator (moto 5.2.1) accepts
 * such change sets, while real CloudFormation rejects them with
 * InsufficientCapabilitiesException, so the check runs before anything is
 * uploaded.
 *
 * NOTE: IAM resources that a transform adds (a SAM function without
 * `Role`) are left to CloudFormation's own check.
 */
export function checkCapabilities(
  templates: Array<{ source: string; value: unknown }>,
  capabilities: string[],
  stackName: string,
): void {
  const hasNamed = capabilities.includes('CAPABILITY_NAMED_IAM');
  const hasIam = hasNamed || capabilities.includes('CAPABILITY_IAM');
  const needsIam: string[] = [];
  const needsNamed: string[] = [];
  for (const [index, template] of templates.entries()) {
    const where = index === 0 ? '' : ` in ${template.source}`;
    for (const [logicalId, resource] of resourcesOf(template.value)) {
      const type = String(resource.Type);
      if (!(type in IAM_RESOURCE_NAME_PROPERTIES)) continue;
      const nameProperty = IAM_RESOURCE_NAME_PROPERTIES[type];
      const named = nameProperty && resource.Properties?.[nameProperty];
      (named ? needsNamed : needsIam).push(`${logicalId} (${type})${where}`);
    }
  }

  const missing =
    needsNamed.length > 0 && !hasNamed
      ? { capability: 'CAPABILITY_NAMED_IAM', resources: needsNamed }
      : needsIam.length > 0 && !hasIam
        ? { capability: 'CAPABILITY_IAM', resources: needsIam }
        : undefined;
  if (missing) {
    throw new Error(
      `stack ${stackName} requires ${missing.capability} for ` +
        `${missing.resources.join(', ')}; add it to the \`capabilities\` ` +
        'option or to `capabilities` in samconfig.toml',
    );
  }
}

/**
 * Throws, listing every problem, when a parameter has no value or its value
 * breaks the parameter's `AllowedValues`, `AllowedPattern` or `Number`
 * type. The value is the override, else the Default; a parameter that the
 * stack already has (`previousKeys`) keeps its previous value and is not
 * checked. moto 5.2.1 accepts such parameters, and real CloudFormation
 * rejects the change set with a ValidationError.
 */
export function checkParameterValues(
  parameters: TemplateParameter[],
  overrides: Record<string, string>,
  previousKeys: string[],
  stackName: string,
): void {
  const problems: string[] = [];
  for (const parameter of parameters) {
    const value = overrides[parameter.name] ?? parameter.default;
    if (value === undefined) {
      if (!previousKeys.includes(parameter.name)) {
        problems.push(`${parameter.name} has no value (no Default)`);
      }
      continue;
    }
    problems.push(...valueProblems(parameter, value));
  }
  if (problems.length > 0) {
    throw new Error(
      `invalid parameters for stack ${stackName}: ${problems.join('; ')}. ` +
        'Set valid values in the `parameterOverrides` option or ' +
        '`parameter_overrides` in samconfig.toml',
    );
  }
}

function valueProblems(parameter: TemplateParameter, value: string): string[] {
  if (isSsmTyped(parameter)) {
    return [];
  }
  const isList =
    parameter.type === 'CommaDelimitedList' ||
    parameter.type.startsWith('List<');
  const items = isList ? value.split(',').map((item) => item.trim()) : [value];
  const problems: string[] = [];
  for (const item of items) {
    const quoted = JSON.stringify(item);
    if (parameter.type === 'Number' && !isNumber(item)) {
      problems.push(`${parameter.name} ${quoted} is not a number`);
    }
    if (parameter.allowedValues && !parameter.allowedValues.includes(item)) {
      problems.push(
        `${parameter.name} ${quoted} is not one of ` +
          parameter.allowedValues.join(', '),
      );
    }
    if (!matchesPattern(parameter.allowedPattern, item)) {
      problems.push(
        `${parameter.name} ${quoted} does not match ${parameter.allowedPattern}`,
      );
    }
  }
  return problems;
}

function isNumber(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}

/**
 * True when the whole value matches. CloudFormation uses Java regular
 * expressions; a pattern JavaScript cannot compile is left to
 * CloudFormation.
 */
function matchesPattern(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) {
    return true;
  }
  try {
    return new RegExp(`^(?:${pattern})$`, 's').test(value);
  } catch {
    return true;
  }
}
