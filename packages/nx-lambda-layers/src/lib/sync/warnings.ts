import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { mapValue } from '../cfn-nodes';
import type { LayerReference } from '../layer-refs';
import { positionOf, type ParsedTemplate } from '../template';

/** A finding that does not stop the sync but deserves a person's attention. */
export interface SyncWarning {
  source: string;
  line: number;
  column: number;
  message: string;
}

/** Lambda accepts at most this many layers per function. */
export const MAX_LAYERS_PER_FUNCTION = 5;

const SAM_FUNCTION = 'AWS::Serverless::Function';
const LAMBDA_FUNCTION = 'AWS::Lambda::Function';

/**
 * Returns the warnings of one template: layer references that a new layer
 * version does not reach, and functions whose layer lists Lambda rejects
 * or SAM merges.
 */
export function findSyncWarnings(
  template: ParsedTemplate,
  references: LayerReference[],
): SyncWarning[] {
  return [
    ...references.flatMap((reference) => referenceWarnings(reference)),
    ...functionLayerWarnings(template),
  ].sort((a, b) => a.line - b.line || a.column - b.column);
}

function referenceWarnings(reference: LayerReference): SyncWarning[] {
  const at = {
    source: reference.source,
    line: reference.line,
    column: reference.column,
  };
  if (reference.kind === 'resolve-ssm' && reference.version === undefined) {
    return [
      {
        ...at,
        message:
          `unversioned {{resolve:ssm:...}} of layer ${reference.layerName}: ` +
          'CloudFormation does not read it again while the template is ' +
          'unchanged, so a deploy misses a new layer version; use a ' +
          'parameter of type AWS::SSM::Parameter::Value<String> (--to-ssm)',
      },
    ];
  }
  if (reference.kind === 'import-value') {
    return [
      {
        ...at,
        message:
          `Fn::ImportValue of the ARN of layer ${reference.layerName}: the ` +
          'exporting stack cannot change an export while another stack ' +
          'imports it, so the layer stack cannot move to a new version; ' +
          'read the ARN from SSM instead (--to-ssm)',
      },
    ];
  }
  return [];
}

/**
 * Warns about functions with more layers than Lambda allows, counting the
 * layers SAM adds from `Globals.Function.Layers`, and about SAM functions
 * that set `Layers` while `Globals` does too.
 */
function functionLayerWarnings(template: ParsedTemplate): SyncWarning[] {
  const root = template.document.contents;
  const globalLayers = mapValue(
    mapValue(mapValue(root, 'Globals'), 'Function'),
    'Layers',
  );
  const globalCount = isSeq(globalLayers) ? globalLayers.items.length : 0;
  const resources = mapValue(root, 'Resources');
  if (!isMap(resources)) {
    return [];
  }
  const warnings: SyncWarning[] = [];
  for (const pair of resources.items) {
    const type = mapValue(pair.value, 'Type');
    const typeName = isScalar(type) ? String(type.value) : '';
    if (typeName !== SAM_FUNCTION && typeName !== LAMBDA_FUNCTION) continue;

    const layers = mapValue(mapValue(pair.value, 'Properties'), 'Layers');
    const own = isSeq(layers) ? layers.items.length : 0;
    const inherited = typeName === SAM_FUNCTION ? globalCount : 0;
    const logicalId = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const at = { source: template.source, ...keyPosition(template, pair.key) };
    if (layers && inherited > 0) {
      warnings.push({
        ...at,
        message:
          `function ${logicalId} sets Layers and Globals.Function.Layers ` +
          `sets them too: SAM merges both lists (${inherited} from Globals ` +
          `first, then ${own} of its own)`,
      });
    }
    if (own + inherited > MAX_LAYERS_PER_FUNCTION) {
      warnings.push({
        ...at,
        message:
          `function ${logicalId} has ${own + inherited} layers; Lambda ` +
          `accepts at most ${MAX_LAYERS_PER_FUNCTION}`,
      });
    }
  }
  return warnings;
}

function keyPosition(template: ParsedTemplate, key: unknown) {
  return positionOf(template, (key as Node | null)?.range?.[0] ?? 0);
}
