import type { Parameter } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { logger } from '@nx/devkit';
import { isAwsServiceError } from '../aws/errors';
import type { ResolvedParameter } from './template-body';

const SSM_TYPE_PREFIX = 'AWS::SSM::Parameter::Value<';

/** A parameter declared in a template's `Parameters` section. */
export interface TemplateParameter {
  name: string;
  type: string;
  default?: string;
  /** `AllowedValues`, as strings. */
  allowedValues?: string[];
  /** `AllowedPattern`, a regular expression that must match the whole value. */
  allowedPattern?: string;
}

/** Lists the template's parameters with their type and default. */
export function templateParameters(value: unknown): TemplateParameter[] {
  const section = (value as { Parameters?: unknown } | null)?.Parameters;
  if (typeof section !== 'object' || section === null) {
    return [];
  }
  return Object.entries(section as Record<string, unknown>).map(
    ([name, declaration]) => {
      const { Type, Default, AllowedValues, AllowedPattern } = (declaration ??
        {}) as Record<string, unknown>;
      return {
        name,
        type: String(Type ?? 'String'),
        default: Default === undefined ? undefined : String(Default),
        allowedValues: Array.isArray(AllowedValues)
          ? AllowedValues.map(String)
          : undefined,
        allowedPattern:
          typeof AllowedPattern === 'string' ? AllowedPattern : undefined,
      };
    },
  );
}

/** True for `AWS::SSM::Parameter::Value<...>` parameters. */
export function isSsmTyped(parameter: TemplateParameter): boolean {
  return parameter.type.startsWith(SSM_TYPE_PREFIX);
}

/**
 * Reads the current value of every SSM-typed parameter. The SSM name is the
 * override when one is given, else the parameter's Default. Throws naming
 * the parameter when it has neither or SSM has no such name.
 */
export async function resolveSsmParameters(
  parameters: TemplateParameter[],
  overrides: Record<string, string>,
  ssm: SSMClient,
): Promise<Record<string, ResolvedParameter>> {
  const resolved: Record<string, ResolvedParameter> = {};
  for (const parameter of parameters.filter(isSsmTyped)) {
    const ssmName = overrides[parameter.name] ?? parameter.default;
    if (!ssmName) {
      throw new Error(
        `template parameter ${parameter.name} (${parameter.type}) has no ` +
          'Default and no override; set it in `parameterOverrides` or ' +
          '`parameter_overrides` in samconfig.toml',
      );
    }
    const value = await readSsmValue(ssm, ssmName, parameter.name);
    logger.info(`SSM ${ssmName} = ${value} (parameter ${parameter.name})`);
    resolved[parameter.name] = { Parameter: ssmName, Value: value };
  }
  return resolved;
}

async function readSsmValue(
  ssm: SSMClient,
  ssmName: string,
  parameterName: string,
): Promise<string> {
  try {
    const output = await ssm.send(new GetParameterCommand({ Name: ssmName }));
    return output.Parameter?.Value ?? '';
  } catch (error) {
    if (isAwsServiceError(error) && error.name === 'ParameterNotFound') {
      throw new Error(
        `SSM parameter ${ssmName} (for template parameter ${parameterName}) ` +
          'not found; publish the layer first (the publish target of the ' +
          'layer project) or fix the parameter name',
      );
    }
    throw error;
  }
}

/**
 * Builds the change set's `Parameters`. Overrides are sent with their
 * value. SSM-typed parameters are always sent with their key (the SSM
 * name), never with `UsePreviousValue`, so CloudFormation reads SSM again.
 * Any other parameter without an override keeps the stack's previous value
 * when it has no Default, as `sam deploy` does, and is left out otherwise.
 */
export function changeSetParameters(
  parameters: TemplateParameter[],
  overrides: Record<string, string>,
  previousKeys: string[],
): Parameter[] {
  const sent: Parameter[] = [];
  for (const parameter of parameters) {
    const override = overrides[parameter.name];
    if (override !== undefined) {
      sent.push({ ParameterKey: parameter.name, ParameterValue: override });
    } else if (isSsmTyped(parameter) && parameter.default !== undefined) {
      sent.push({
        ParameterKey: parameter.name,
        ParameterValue: parameter.default,
      });
    } else if (
      !isSsmTyped(parameter) &&
      parameter.default === undefined &&
      previousKeys.includes(parameter.name)
    ) {
      sent.push({ ParameterKey: parameter.name, UsePreviousValue: true });
    }
  }
  return sent;
}

/** Names of overrides that the template does not declare. */
export function unknownOverrides(
  parameters: TemplateParameter[],
  overrides: Record<string, string>,
): string[] {
  const declared = new Set(parameters.map((parameter) => parameter.name));
  return Object.keys(overrides).filter((name) => !declared.has(name));
}
