import { isMap } from 'yaml';
import { type ParsedTemplate, toCfnValue } from '../template';

/** Metadata key under which deploy records the resolved SSM parameters. */
export const RESOLVED_PARAMETERS_KEY = 'NxLambdaLayers::ResolvedParameters';

/** One template parameter of an SSM type with the value it resolved to. */
export interface ResolvedParameter {
  /** SSM parameter name. */
  Parameter: string;
  /** SSM parameter value at deploy time, such as a layer version ARN. */
  Value: string;
}

/**
 * Sets a property of a resource in the template that will be sent, such as
 * a function's `Code`. The parsed document is changed and the source file
 * is not.
 */
export function setResourceProperty(
  template: ParsedTemplate,
  logicalId: string,
  property: string,
  value: unknown,
): void {
  const path = ['Resources', logicalId, 'Properties', property];
  template.document.setIn(path, template.document.createNode(value));
}

/**
 * Records the resolved value of each SSM-typed parameter in the template's
 * `Metadata`, keeping the other Metadata entries.
 *
 * This makes a new layer version a change of the template itself. Real
 * CloudFormation resolves SSM-typed parameters again at every change set,
 * but the local emulator (moto 5.2.1) returns "No updates are to be
 * performed" for an unchanged template even when a parameter now resolves
 * to a new value. With the values stamped here, both act on a new version.
 */
export function stampResolvedParameters(
  template: ParsedTemplate,
  resolved: Record<string, ResolvedParameter>,
): void {
  const { document } = template;
  const metadata = document.get('Metadata', true);
  if (metadata !== undefined && !isMap(metadata)) {
    throw new Error(
      `${template.source}: Metadata must be a mapping to record the ` +
        'resolved SSM parameters; change it to a mapping',
    );
  }
  document.setIn(
    ['Metadata', RESOLVED_PARAMETERS_KEY],
    document.createNode(resolved),
  );
}

/**
 * Returns the template text to send: YAML through the yaml document, so
 * short-form tags (`!Ref`, `!Sub`, ...) and comments survive, and JSON as
 * the long-form value.
 */
export function serializeTemplate(template: ParsedTemplate): string {
  if (template.format === 'json') {
    const value = toCfnValue(template.document.contents);
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  // lineWidth 0 keeps long strings on one line, as in the source.
  return template.document.toString({ lineWidth: 0 });
}

/** True when the template declares a `Transform` (SAM or a macro). */
export function hasTransform(value: unknown): boolean {
  const transform = (value as { Transform?: unknown } | null)?.Transform;
  return transform !== undefined && transform !== null;
}
