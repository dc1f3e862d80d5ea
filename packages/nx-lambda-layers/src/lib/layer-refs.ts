import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import {
  intrinsicOf,
  mapValue,
  staticString,
  subTemplateOf,
  type IntrinsicCall,
} from './cfn-nodes';
import type { LayerConfig } from './layer-config';
import { scalarRangeToSource } from './scalar-range';
import { positionOf, type ParsedTemplate } from './template';

/**
 * Form of a layer reference in a template:
 * - `ssm-parameter`: a parameter of type `AWS::SSM::Parameter::Value<String>`
 *   whose value is the layer's SSM parameter name;
 * - `resolve-ssm`: a `{{resolve:ssm:NAME}}` or `{{resolve:ssm:NAME:VERSION}}`
 *   dynamic reference to that SSM parameter;
 * - `arn`: a layer version ARN, literal or built with `Fn::Sub`/`Fn::Join`;
 * - `import-value`: `Fn::ImportValue` of the layer's export name.
 */
export type LayerReferenceKind =
  'ssm-parameter' | 'resolve-ssm' | 'arn' | 'import-value';

/** One place in a template that refers to a layer of the workspace. */
export interface LayerReference {
  layerName: string;
  kind: LayerReferenceKind;
  /** File name of the template, as given to `parseTemplate`. */
  source: string;
  /** 1-based line and column where the reference starts. */
  line: number;
  column: number;
  /**
   * Logical ID of the resource, parameter or output that contains the
   * reference. Undefined in other sections such as SAM `Globals`.
   */
  logicalId?: string;
  /** Template parameter name, for `ssm-parameter` references. */
  parameterName?: string;
  /**
   * Layer version of an `arn` reference (`'placeholder'` for the layer's
   * placeholder token), or the SSM parameter version of a `resolve-ssm`
   * reference. Undefined when the template gives none or computes it.
   */
  version?: number | 'placeholder';
  /**
   * Offsets `[start, end)` of the version token in `template.text`, so
   * `text.slice(start, end)` is the token exactly as written. Set with
   * `version`, unless the token is written with YAML or JSON escapes.
   */
  versionRange?: [number, number];
  /**
   * Version token of an `arn` reference whose version is neither a number
   * nor the placeholder, such as `${LayerVersion}`, for messages.
   */
  unknownVersion?: string;
}

const SSM_PARAMETER_TYPE = 'AWS::SSM::Parameter::Value<String>';
const SECTIONS_WITH_LOGICAL_IDS = new Set([
  'Resources',
  'Parameters',
  'Outputs',
]);

/**
 * A `${...}` variable of `Fn::Sub`. It also stands for the computed parts
 * of `Fn::Join`.
 */
const VARIABLE = String.raw`\$\{[^}]*\}`;

/**
 * Matches `arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>`.
 * Group 1 is the layer name, group 2 the version token. With `variables`,
 * partition, region, account and version may be `${...}`.
 */
function layerArnPattern(variables: boolean): RegExp {
  const variable = variables ? `|${VARIABLE}` : '';
  return new RegExp(
    `arn:(?:aws[a-z-]*${variable}):lambda:(?:[a-z0-9-]+${variable}):` +
      `(?:\\d{12}${variable}):layer:([A-Za-z0-9_-]+):(\\w+${variable})` +
      '(?![\\w-])',
    'g',
  );
}

/** Patterns compiled once; `matchAll` copies them, so sharing is safe. */
const LAYER_ARN_PATTERN = layerArnPattern(false);
const LAYER_ARN_PATTERN_WITH_VARIABLES = layerArnPattern(true);

const RESOLVE_SSM_PATTERN = /\{\{resolve:ssm:([^:}\s]+)(?::(\d+))?\}\}/g;

/** A literal layer version ARN found in plain text, such as samconfig.toml. */
export interface LayerArnInText {
  layerName: string;
  /** Offset of the ARN in the text. */
  start: number;
  /** The version number, `'placeholder'`, or undefined for another token. */
  version?: number | 'placeholder';
  /** Offsets `[start, end)` of the version token in the text. */
  versionRange: [number, number];
}

/**
 * Finds the literal version ARNs of `layers` in plain text that is not a
 * template, such as the `parameter_overrides` of samconfig.toml.
 */
export function findLayerArnsInText(
  text: string,
  layers: LayerConfig[],
): LayerArnInText[] {
  const byName = new Map(layers.map((layer) => [layer.layerName, layer]));
  const found: LayerArnInText[] = [];
  for (const match of text.matchAll(LAYER_ARN_PATTERN)) {
    const layer = byName.get(match[1]);
    if (!layer) continue;
    const start = match.index ?? 0;
    const end = start + match[0].length;
    found.push({
      layerName: layer.layerName,
      start,
      version: layerVersionOf(match[2], layer),
      versionRange: [end - match[2].length, end],
    });
  }
  return found;
}

/** A string scanned for references: one scalar's value or a joined list. */
interface ScannedString {
  text: string;
  /** Pieces of `text` and their scalars. Computed parts have no scalar. */
  spans: Array<{ start: number; end: number; node?: Scalar }>;
  /** True in `Fn::Sub` and `Fn::Join`, where `${...}` stands for a value. */
  variables: boolean;
  /** Node whose position is reported when a match maps to no scalar. */
  container: Node;
  /** Variable map of the list form of `Fn::Sub`. */
  subVariables?: YAMLMap;
}

interface Scan {
  template: ParsedTemplate;
  byName: Map<string, LayerConfig>;
  bySsmParameter: Map<string, LayerConfig>;
  byExportName: Map<string, LayerConfig>;
  references: LayerReference[];
}

/**
 * Finds every reference to one of `layers` in a parsed template, in source
 * order. `parameterOverrides` (for example from samconfig.toml) replace
 * parameter defaults when matching SSM parameter names. An ARN of a layer
 * that is not in `layers`, and a `Ref` to a layer version resource of the
 * same template, yield nothing.
 */
export function findLayerReferences(
  template: ParsedTemplate,
  layers: LayerConfig[],
  parameterOverrides: Record<string, string> = {},
): LayerReference[] {
  const scan: Scan = {
    template,
    byName: new Map(layers.map((layer) => [layer.layerName, layer])),
    bySsmParameter: new Map(layers.map((layer) => [layer.ssmParameter, layer])),
    byExportName: new Map(layers.map((layer) => [layer.exportName, layer])),
    references: [],
  };

  findSsmParameters(scan, parameterOverrides);
  walk(scan, template.document.contents, []);

  return scan.references.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Adds parameters of an SSM type whose value names a layer's SSM parameter. */
function findSsmParameters(
  scan: Scan,
  overrides: Record<string, string>,
): void {
  const parameters = mapValue(scan.template.document.contents, 'Parameters');
  if (!isMap(parameters)) {
    return;
  }
  for (const pair of parameters.items) {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const type = mapValue(pair.value, 'Type');
    if (!isScalar(type) || String(type.value).trim() !== SSM_PARAMETER_TYPE) {
      continue;
    }
    const defaultNode = mapValue(pair.value, 'Default');
    const value = overrides[name] ?? staticString(defaultNode);
    const layer = value ? scan.bySsmParameter.get(value) : undefined;
    if (layer) {
      const node = (defaultNode ?? pair.key) as Node;
      scan.references.push({
        ...baseReference(scan, layer, 'ssm-parameter', node.range?.[0] ?? 0),
        logicalId: name,
        parameterName: name,
      });
    }
  }
}

function walk(scan: Scan, node: unknown, path: string[]): void {
  if (!node || isAlias(node)) {
    return;
  }
  const intrinsic = intrinsicOf(node as Node);
  if (intrinsic) {
    scanIntrinsic(scan, intrinsic, path);
  } else {
    walkContents(scan, node as Node, path);
  }
}

/** Walks a node without looking at its tag. */
function walkContents(scan: Scan, node: Node, path: string[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      walk(scan, pair.value, [...path, key]);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      walk(scan, item, [...path, String(index)]);
    });
  } else if (isScalar(node) && typeof node.value === 'string') {
    scanString(scan, scalarString(node, false), path);
  }
}

/**
 * Walks the argument of an intrinsic function. A short-form argument is
 * the tagged node itself, so its tag is not looked at again.
 */
function walkArgument(scan: Scan, intrinsic: IntrinsicCall, path: string[]) {
  const { argument } = intrinsic;
  if (argument !== intrinsic.node) {
    walk(scan, argument, path);
    return;
  }
  const longForm = intrinsicOf(argument, true);
  if (longForm) {
    scanIntrinsic(scan, longForm, path);
  } else {
    walkContents(scan, argument, path);
  }
}

function scanIntrinsic(scan: Scan, intrinsic: IntrinsicCall, path: string[]) {
  const { argument } = intrinsic;
  if (intrinsic.name === 'Fn::Sub') {
    const sub = subTemplateOf(argument);
    if (sub) {
      const scanned = scalarString(sub, true);
      const variables = isSeq(argument) ? argument.items[1] : undefined;
      if (isMap(variables)) scanned.subVariables = variables;
      scanString(scan, scanned, path);
    }
    walkChildren(scan, argument, path, sub);
  } else if (intrinsic.name === 'Fn::Join') {
    scanJoin(scan, intrinsic, path);
  } else if (intrinsic.name === 'Fn::ImportValue') {
    scanImportValue(scan, intrinsic, path);
  } else if (intrinsic.name !== 'Ref') {
    walkArgument(scan, intrinsic, path);
  }
}

/** Walks the children of an intrinsic's argument, except `skip`. */
function walkChildren(scan: Scan, argument: Node, path: string[], skip?: Node) {
  if (isSeq(argument) || isMap(argument)) {
    const items = isSeq(argument)
      ? argument.items
      : argument.items.map((pair) => pair.value);
    for (const item of items) {
      if (item !== skip) walk(scan, item, path);
    }
  }
}

/**
 * Scans `Fn::Join [delimiter, [parts]]` as one string. A `Ref` part
 * becomes `${Name}` and other computed parts `${}`, so pseudo parameters
 * can stand for the partition, region and account of an ARN.
 */
function scanJoin(scan: Scan, intrinsic: IntrinsicCall, path: string[]) {
  const [delimiterNode, list] = isSeq(intrinsic.argument)
    ? intrinsic.argument.items
    : [];
  if (!isSeq(list)) {
    walkChildren(scan, intrinsic.argument, path);
    return;
  }
  const delimiter = isScalar(delimiterNode) ? String(delimiterNode.value) : '';
  const joined: ScannedString = {
    text: '',
    spans: [],
    variables: true,
    container: intrinsic.node,
  };
  list.items.forEach((item, index) => {
    if (index > 0) joined.text += delimiter;
    appendJoinPart(scan, joined, item as Node, path);
  });
  scanString(scan, joined, path);
}

function appendJoinPart(
  scan: Scan,
  joined: ScannedString,
  item: Node,
  path: string[],
) {
  const intrinsic = intrinsicOf(item);
  const sub =
    intrinsic?.name === 'Fn::Sub' && subTemplateOf(intrinsic.argument);
  let text: string;
  let node: Scalar | undefined;

  if (isScalar(item) && !intrinsic && item.value !== null) {
    text = String(item.value);
    node = item;
  } else if (intrinsic?.name === 'Ref' && isScalar(intrinsic.argument)) {
    text = `\${${String(intrinsic.argument.value)}}`;
  } else if (sub) {
    text = sub.value as string;
    node = sub;
    walkChildren(scan, intrinsic.argument, path, sub);
  } else {
    text = '${}';
    walk(scan, item, path);
  }
  const start = joined.text.length;
  joined.text += text;
  joined.spans.push({ start, end: joined.text.length, node });
}

function scanImportValue(
  scan: Scan,
  importValue: IntrinsicCall,
  path: string[],
) {
  const { argument } = importValue;
  const inner = intrinsicOf(argument, argument === importValue.node);
  const nameNode =
    inner?.name === 'Fn::Sub' ? subTemplateOf(inner.argument) : argument;
  const name =
    !inner || inner.name === 'Fn::Sub' ? staticString(nameNode) : undefined;
  const layer = name ? scan.byExportName.get(name) : undefined;

  if (layer && nameNode) {
    scan.references.push({
      ...baseReference(scan, layer, 'import-value', nameNode.range?.[0] ?? 0),
      ...logicalIdOf(path),
    });
  } else {
    walkArgument(scan, importValue, path);
  }
}

function scalarString(node: Scalar, variables: boolean): ScannedString {
  const text = String(node.value);
  return {
    text,
    spans: [{ start: 0, end: text.length, node }],
    variables,
    container: node,
  };
}

/** Adds the layer ARNs and SSM dynamic references found in one string. */
function scanString(scan: Scan, scanned: ScannedString, path: string[]) {
  // Both patterns contain these literal texts. Testing for them first
  // skips the regular expressions for most strings of a template.
  if (scanned.text.includes(':layer:')) {
    scanArns(scan, scanned, path);
  }
  if (scanned.text.includes('{{resolve:ssm:')) {
    scanResolveSsm(scan, scanned, path);
  }
}

function scanArns(scan: Scan, scanned: ScannedString, path: string[]) {
  const arnPattern = scanned.variables
    ? LAYER_ARN_PATTERN_WITH_VARIABLES
    : LAYER_ARN_PATTERN;
  for (const match of scanned.text.matchAll(arnPattern)) {
    const layer = scan.byName.get(match[1]);
    const variable = layer && subVariableOf(scanned, match[2]);
    if (variable) {
      addSubVariableReference(scan, scanned, path, layer, match, variable);
    } else if (layer) {
      const version = layerVersionOf(match[2], layer);
      addStringReference(scan, scanned, path, layer, 'arn', match, version);
    }
  }
}

function scanResolveSsm(scan: Scan, scanned: ScannedString, path: string[]) {
  for (const match of scanned.text.matchAll(RESOLVE_SSM_PATTERN)) {
    const layer = scan.bySsmParameter.get(match[1]);
    if (layer) {
      const version = match[2] === undefined ? undefined : Number(match[2]);
      addStringReference(
        scan,
        scanned,
        path,
        layer,
        'resolve-ssm',
        match,
        version,
      );
    }
  }
}

/**
 * Returns the scalar that the list form of `Fn::Sub` gives for a version
 * token `${Name}`, as in `!Sub [..., { Version: 7 }]`.
 */
function subVariableOf(
  scanned: ScannedString,
  token: string,
): Scalar | undefined {
  const name = /^\$\{([^}!]+)\}$/.exec(token)?.[1];
  const value = name ? mapValue(scanned.subVariables, name) : undefined;
  return isScalar(value) && value.value !== null ? value : undefined;
}

/** Adds an ARN reference whose version is a variable of `Fn::Sub`. */
function addSubVariableReference(
  scan: Scan,
  scanned: ScannedString,
  path: string[],
  layer: LayerConfig,
  match: RegExpMatchArray,
  variable: Scalar,
) {
  const token = String(variable.value);
  const version = layerVersionOf(token, layer);
  const versionRange =
    version === undefined
      ? undefined
      : scalarRangeToSource(scan.template.text, variable, 0, token.length);
  scan.references.push({
    ...baseReference(scan, layer, 'arn', matchOffset(scan, scanned, match)),
    ...logicalIdOf(path),
    ...(version === undefined
      ? { unknownVersion: variable.tag ? `${variable.tag} ${token}` : token }
      : { version }),
    ...(versionRange ? { versionRange } : {}),
  });
}

/** Reads a version token: a number, the layer's placeholder, or neither. */
function layerVersionOf(
  token: string,
  layer: LayerConfig,
): number | 'placeholder' | undefined {
  if (/^\d+$/.test(token)) {
    return Number(token);
  }
  return token === layer.placeholder ? 'placeholder' : undefined;
}

/** Adds a reference whose version token, if any, is group 2 of `match`. */
function addStringReference(
  scan: Scan,
  scanned: ScannedString,
  path: string[],
  layer: LayerConfig,
  kind: LayerReferenceKind,
  match: RegExpMatchArray,
  version: number | 'placeholder' | undefined,
) {
  const start = match.index ?? 0;
  const end = start + match[0].length;
  const tokenEnd = end - (kind === 'resolve-ssm' ? 2 : 0);
  const tokenStart = tokenEnd - (match[2]?.length ?? 0);
  const versionRange =
    version === undefined
      ? undefined
      : mapToSource(scan.template, scanned, tokenStart, tokenEnd);
  const unknownVersion =
    kind === 'arn' && version === undefined ? match[2] : undefined;
  const versionFields = {
    ...(version === undefined ? {} : { version }),
    ...(versionRange ? { versionRange } : {}),
    ...(unknownVersion === undefined ? {} : { unknownVersion }),
  };
  scan.references.push({
    ...baseReference(scan, layer, kind, matchOffset(scan, scanned, match)),
    ...logicalIdOf(path),
    ...versionFields,
  });
}

/** Offset in the template text where a match starts, or of its container. */
function matchOffset(
  scan: Scan,
  scanned: ScannedString,
  match: RegExpMatchArray,
): number {
  const start = match.index ?? 0;
  return (
    mapToSource(scan.template, scanned, start, start)?.[0] ??
    scanned.container.range?.[0] ??
    0
  );
}

/** Maps `[start, end)` of a scanned string to offsets in the template text. */
function mapToSource(
  template: ParsedTemplate,
  scanned: ScannedString,
  start: number,
  end: number,
): [number, number] | undefined {
  const span = scanned.spans.find(
    (candidate) => candidate.start <= start && end <= candidate.end,
  );
  if (!span?.node) {
    return undefined;
  }
  return scalarRangeToSource(
    template.text,
    span.node,
    start - span.start,
    end - span.start,
  );
}

function baseReference(
  scan: Scan,
  layer: LayerConfig,
  kind: LayerReferenceKind,
  offset: number,
): LayerReference {
  return {
    layerName: layer.layerName,
    kind,
    source: scan.template.source,
    ...positionOf(scan.template, offset),
  };
}

function logicalIdOf(path: string[]): { logicalId?: string } {
  return SECTIONS_WITH_LOGICAL_IDS.has(path[0]) && path[1] !== undefined
    ? { logicalId: path[1] }
    : {};
}
