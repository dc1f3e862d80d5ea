import {
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { mapValue } from '../cfn-nodes';
import type { LayerReference } from '../layer-refs';
import type { LayerConfig } from '../layer-config';
import { positionOf, toCfnValue, type ParsedTemplate } from '../template';
import {
  applyEdits,
  type RenderedTemplate,
  type TextEdit,
  type VersionChange,
} from './render';
import type { SyncWarning } from './warnings';

const SSM_PARAMETER_TYPE = 'AWS::SSM::Parameter::Value<String>';
const FUNCTION_TYPES = new Set([
  'AWS::Serverless::Function',
  'AWS::Lambda::Function',
]);

export interface SsmMigration extends RenderedTemplate {
  warnings: SyncWarning[];
}

interface Migration {
  template: ParsedTemplate;
  edits: TextEdit[];
  changes: VersionChange[];
  /** Offset ranges that the edits cover, to find references left over. */
  covered: Array<[number, number]>;
}

/**
 * Rewrites the layer version ARNs of `layers` in `Layers` lists into
 * `!Ref` to a parameter of type `AWS::SSM::Parameter::Value<String>` whose
 * default is the layer's SSM parameter name, adding that parameter unless
 * the template has one. A `String` parameter whose default is such an ARN
 * becomes that parameter itself. Only the rewritten nodes and the inserted
 * parameter change in the text. ARNs elsewhere, such as inside a longer
 * string, are left as they are, with a warning.
 */
export function migrateToSsm(
  template: ParsedTemplate,
  layers: LayerConfig[],
  references: LayerReference[],
): SsmMigration {
  const migration: Migration = {
    template,
    edits: [],
    changes: [],
    covered: [],
  };
  const usedNames = new Set(parameterPairs(template).map(([name]) => name));
  for (const layer of layers) {
    const arns = references.filter(
      (r) => r.layerName === layer.layerName && r.kind === 'arn',
    );
    if (arns.length > 0) migrateLayer(migration, layer, references, usedNames);
  }
  return {
    text: applyEdits(template.text, migration.edits),
    changes: migration.changes,
    skipped: [],
    warnings: leftOverWarnings(migration, references),
  };
}

function migrateLayer(
  migration: Migration,
  layer: LayerConfig,
  references: LayerReference[],
  usedNames: Set<string>,
): void {
  const { template } = migration;
  const existing = references.find(
    (r) => r.layerName === layer.layerName && r.kind === 'ssm-parameter',
  )?.parameterName;
  const converted = convertArnParameters(migration, layer);
  const name = existing ?? converted[0] ?? uniqueName(layer, usedNames);
  const before = migration.edits.length;

  for (const item of layerListItems(template)) {
    if (arnLayerName(toCfnValue(item)) === layer.layerName) {
      replaceNode(migration, item, layer, refText(template, name));
    }
  }
  const replaced = migration.edits.length > before;
  if (replaced && !existing && converted.length === 0) {
    usedNames.add(name);
    migration.edits.push(parameterInsertion(template, name, layer));
  }
}

/** Returns the items of every function's `Layers` list and of SAM `Globals`. */
function layerListItems(template: ParsedTemplate): Node[] {
  const root = template.document.contents;
  const lists = [
    mapValue(mapValue(mapValue(root, 'Globals'), 'Function'), 'Layers'),
  ];
  const resources = mapValue(root, 'Resources');
  for (const pair of isMap(resources) ? resources.items : []) {
    const type = mapValue(pair.value, 'Type');
    if (isScalar(type) && FUNCTION_TYPES.has(String(type.value))) {
      lists.push(mapValue(mapValue(pair.value, 'Properties'), 'Layers'));
    }
  }
  return lists.flatMap((list) => (isSeq(list) ? (list.items as Node[]) : []));
}

/** One part of an ARN between colons; `${...}` may contain colons. */
const ARN_PART = String.raw`(?:\$\{[^}]*\}|[^:$])+`;
const WHOLE_ARN = new RegExp(
  `^arn:${ARN_PART}:lambda:${ARN_PART}:${ARN_PART}:layer:` +
    `([A-Za-z0-9_-]+):${ARN_PART}$`,
);

/**
 * Returns the layer name when a plain value (a string, `Fn::Sub` or
 * `Fn::Join`) is exactly one layer version ARN, computed parts included.
 */
function arnLayerName(value: unknown): string | undefined {
  return WHOLE_ARN.exec(staticText(value) ?? '')?.[1];
}

function staticText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const call = value as Record<string, unknown>;
  const sub = call['Fn::Sub'];
  if (sub !== undefined) {
    return staticText(Array.isArray(sub) ? sub[0] : sub);
  }
  const join = call['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const parts = join[1].map((part) => staticText(part) ?? '${}');
    return parts.join(String(join[0]));
  }
  return 'Ref' in call ? `\${${String(call.Ref)}}` : undefined;
}

/**
 * Turns `String` parameters whose default is an ARN of the layer into SSM
 * parameters and returns their names.
 */
function convertArnParameters(
  migration: Migration,
  layer: LayerConfig,
): string[] {
  const names: string[] = [];
  for (const [name, pair] of parameterPairs(migration.template)) {
    const type = mapValue(pair.value, 'Type');
    const defaultNode = mapValue(pair.value, 'Default');
    if (
      isScalar(type) &&
      String(type.value).trim() === 'String' &&
      isScalar(defaultNode) &&
      arnLayerName(defaultNode.value) === layer.layerName
    ) {
      replaceNode(
        migration,
        type,
        layer,
        scalarText(migration.template, type, SSM_PARAMETER_TYPE),
      );
      replaceNode(
        migration,
        defaultNode,
        layer,
        scalarText(migration.template, defaultNode, layer.ssmParameter),
      );
      names.push(name);
    }
  }
  return names;
}

function parameterPairs(template: ParsedTemplate): Array<[string, Pair]> {
  const parameters = mapValue(template.document.contents, 'Parameters');
  if (!isMap(parameters)) return [];
  return parameters.items.map((pair) => [
    String(isScalar(pair.key) ? pair.key.value : pair.key),
    pair as Pair,
  ]);
}

/** Returns a parameter name such as `SoswLayerArn`, unique in the template. */
function uniqueName(layer: LayerConfig, used: Set<string>): string {
  const base =
    layer.layerName
      .split(/[^A-Za-z0-9]+/)
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join('') + 'LayerArn';
  let name = base;
  for (let index = 2; used.has(name); index++) name = `${base}${index}`;
  return name;
}

function refText(template: ParsedTemplate, name: string): string {
  return template.format === 'json'
    ? `{ "Ref": ${JSON.stringify(name)} }`
    : `!Ref ${name}`;
}

/** Writes a scalar's new value in the quoting style of the old one. */
function scalarText(template: ParsedTemplate, node: Scalar, value: string) {
  if (template.format === 'json' || node.type === 'QUOTE_DOUBLE') {
    return JSON.stringify(value);
  }
  return node.type === 'QUOTE_SINGLE'
    ? `'${value.replace(/'/g, "''")}'`
    : value;
}

/**
 * Replaces a node with `replacement`, its short-form tag included. An
 * anchor before the tag stays, so aliases of the node still resolve.
 */
function replaceNode(
  migration: Migration,
  node: Node,
  layer: LayerConfig,
  replacement: string,
): void {
  const { text } = migration.template;
  const [valueStart, valueEnd] = node.range as [number, number, number];
  let start = valueStart;
  if (node.tag?.startsWith('!')) {
    const before = text.slice(0, valueStart).trimEnd();
    if (before.endsWith(node.tag)) start = before.length - node.tag.length;
  }
  const end = start + text.slice(start, valueEnd).trimEnd().length;
  migration.edits.push({ start, end, replacement });
  migration.covered.push([start, end]);
  migration.changes.push({
    layerName: layer.layerName,
    ...positionOf(migration.template, start),
    from: text.slice(start, end),
    to: replacement,
  });
}

/** Warns about ARN references of the layers that no edit covers. */
function leftOverWarnings(
  migration: Migration,
  references: LayerReference[],
): SyncWarning[] {
  const { template } = migration;
  return references
    .filter((reference) => reference.kind === 'arn')
    .filter((reference) => {
      const offset = offsetOf(template, reference.line, reference.column);
      return !migration.covered.some(([s, e]) => s <= offset && offset <= e);
    })
    .map((reference) => ({
      source: reference.source,
      line: reference.line,
      column: reference.column,
      message:
        `layer ${reference.layerName} ARN not moved to SSM: --to-ssm ` +
        'rewrites only whole ARNs in function Layers lists and String ' +
        'parameter defaults; change this one by hand',
    }));
}

function offsetOf(template: ParsedTemplate, line: number, column: number) {
  const lineStarts = template.lineCounter.lineStarts;
  return (lineStarts[line - 1] ?? 0) + column - 1;
}

/** Adds the new parameter to `Parameters`, creating the section if needed. */
function parameterInsertion(
  template: ParsedTemplate,
  name: string,
  layer: LayerConfig,
): TextEdit {
  const root = template.document.contents;
  const parameters = mapValue(root, 'Parameters');
  if (parameters && !isMap(parameters)) {
    throw new Error(
      `${template.source}: Parameters is not a mapping; fix the template ` +
        'before running --to-ssm',
    );
  }
  if (!isMap(root)) {
    throw new Error(`${template.source}: the template is not a mapping`);
  }
  return template.format === 'json'
    ? jsonInsertion(template, root, parameters, name, layer)
    : yamlInsertion(template, root, parameters, name, layer);
}

function lineEnding(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Returns the indentation of the line that contains `offset`. */
function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

function yamlInsertion(
  template: ParsedTemplate,
  root: YAMLMap,
  parameters: YAMLMap | undefined,
  name: string,
  layer: LayerConfig,
): TextEdit {
  if (parameters?.flow) {
    return flowEntryInsertion(template, parameters, flowParameter(name, layer));
  }
  if (root.flow) {
    const section = `Parameters: {${flowParameter(name, layer)}}`;
    return flowEntryInsertion(template, root, section);
  }
  const { text } = template;
  const eol = lineEnding(text);
  const childIndent =
    firstChildIndent(text, parameters ?? mapValue(root, 'Resources')) ?? '  ';
  const body =
    `${childIndent}${name}:${eol}` +
    `${childIndent}${childIndent}Type: ${SSM_PARAMETER_TYPE}${eol}` +
    `${childIndent}${childIndent}Default: ${layer.ssmParameter}${eol}`;
  if (parameters?.range) {
    return appendAfterLine(text, parameters.range[1], body);
  }
  const resourcesKey = root.items.find(
    (pair) => isScalar(pair.key) && pair.key.value === 'Resources',
  )?.key as Node | undefined;
  if (!resourcesKey?.range) {
    return appendAfterLine(text, text.length, `Parameters:${eol}${body}`);
  }
  const at = lineStartOf(text, resourcesKey.range[0]);
  return { start: at, end: at, replacement: `Parameters:${eol}${body}` };
}

/** Inserts `lines` after the line on which the text before `offset` ends. */
function appendAfterLine(text: string, offset: number, lines: string) {
  const last = text.slice(0, offset).trimEnd().length;
  const lineEnd = text.indexOf('\n', last);
  const at = lineEnd < 0 ? text.length : lineEnd + 1;
  const prefix = lineEnd < 0 ? lineEnding(text) : '';
  return { start: at, end: at, replacement: prefix + lines };
}

/** Returns the parameter as a flow mapping entry, `Name: {Type: ...}`. */
function flowParameter(name: string, layer: LayerConfig): string {
  return (
    `${name}: {Type: ${JSON.stringify(SSM_PARAMETER_TYPE)}, ` +
    `Default: ${JSON.stringify(layer.ssmParameter)}}`
  );
}

/**
 * Inserts `entry` as the first entry of a flow mapping (`{ ... }`), so the
 * rest of the mapping keeps its bytes.
 */
function flowEntryInsertion(
  template: ParsedTemplate,
  map: YAMLMap,
  entry: string,
): TextEdit {
  const { text } = template;
  const open = map.range?.[0];
  if (open === undefined || text[open] !== '{') {
    throw new Error(
      `${template.source}: --to-ssm cannot add a parameter because the ` +
        'flow-style mapping does not start with "{"; rewrite Parameters ' +
        'in block style and run again',
    );
  }
  const at = open + 1;
  let separator = '';
  if (map.items.length > 0) {
    separator = /^[ \t]*\r?\n/.test(text.slice(at)) ? ',' : ', ';
  }
  return { start: at, end: at, replacement: entry + separator };
}

/**
 * Returns the indentation of the first key of a mapping, or undefined when
 * that key does not start its line, as in a flow mapping `{Fn: ...}`.
 */
function firstChildIndent(text: string, node: Node | undefined) {
  if (!isMap(node) || node.items.length === 0) return undefined;
  const key = node.items[0].key as Node | undefined;
  if (!key?.range) return undefined;
  const indent = indentAt(text, key.range[0]);
  const keyStartsLine =
    lineStartOf(text, key.range[0]) + indent.length === key.range[0];
  return keyStartsLine ? indent : undefined;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function jsonInsertion(
  template: ParsedTemplate,
  root: YAMLMap,
  parameters: YAMLMap | undefined,
  name: string,
  layer: LayerConfig,
): TextEdit {
  const { text } = template;
  const multiLine = text.includes('\n');
  const eol = multiLine ? lineEnding(text) : ' ';
  const rootKey = root.items[0]?.key as Node | undefined;
  const keyIndent =
    multiLine && rootKey?.range ? indentAt(text, rootKey.range[0]) : '';
  const value =
    `{ "Type": ${JSON.stringify(SSM_PARAMETER_TYPE)}, ` +
    `"Default": ${JSON.stringify(layer.ssmParameter)} }`;
  if (parameters?.range) {
    const childIndent =
      firstChildIndent(text, parameters) ?? keyIndent + keyIndent;
    const comma = parameters.items.length > 0 ? ',' : eol + keyIndent;
    const at = parameters.range[0] + 1;
    const key = JSON.stringify(name);
    const entry = `${eol}${childIndent}${key}: ${value}${comma}`;
    return { start: at, end: at, replacement: entry };
  }
  const resourcesKey = root.items.find(
    (pair) => isScalar(pair.key) && pair.key.value === 'Resources',
  )?.key as Node | undefined;
  const at = resourcesKey?.range?.[0] ?? (root.range?.[0] ?? 0) + 1;
  const section =
    `"Parameters": {${eol}${keyIndent}${keyIndent}${JSON.stringify(name)}: ` +
    `${value}${eol}${keyIndent}},${eol}${keyIndent}`;
  return { start: at, end: at, replacement: section };
}
