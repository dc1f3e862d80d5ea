import {
  Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Schema,
  type Node,
  type Tags,
} from 'yaml';
import { readJsonNodes } from './template-readers/json';
import { readYamlNodes } from './template-readers/yaml';

/**
 * CloudFormation intrinsic functions that have a YAML short form, mapped to
 * the key of their long form. Source: the "Intrinsic function reference" of
 * the AWS CloudFormation User Guide.
 */
export const SHORT_FORM_TAGS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!And': 'Fn::And',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!Equals': 'Fn::Equals',
  '!FindInMap': 'Fn::FindInMap',
  '!ForEach': 'Fn::ForEach',
  '!GetAtt': 'Fn::GetAtt',
  '!GetAZs': 'Fn::GetAZs',
  '!If': 'Fn::If',
  '!ImportValue': 'Fn::ImportValue',
  '!Join': 'Fn::Join',
  '!Length': 'Fn::Length',
  '!Not': 'Fn::Not',
  '!Or': 'Fn::Or',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!Sub': 'Fn::Sub',
  '!ToJsonString': 'Fn::ToJsonString',
  '!Transform': 'Fn::Transform',
};

/**
 * The short-form tags for the `yaml` parser. Every tag accepts a scalar, a
 * sequence and a mapping and keeps its node unchanged: the tag stays on the
 * node, so the source can be rewritten byte for byte and `toCfnValue` turns
 * it into the long form.
 */
export const CFN_YAML_TAGS: Tags = Object.keys(SHORT_FORM_TAGS).flatMap(
  (tag) => [
    { tag, identify: () => false, resolve: (value: string) => value },
    { tag, collection: 'seq' as const, identify: () => false },
    { tag, collection: 'map' as const, identify: () => false },
  ],
);

export type TemplateFormat = 'yaml' | 'json';

/** A parsed CloudFormation or SAM template with its source text. */
export interface ParsedTemplate {
  /** File name used in messages, usually workspace-relative. */
  source: string;
  format: TemplateFormat;
  text: string;
  /** The YAML document; JSON is parsed as YAML too, so offsets work for both. */
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** Plain value with short forms turned into their long form (`{ "Fn::Sub": ... }`). */
  value: unknown;
}

/** A template that could not be parsed, with the position of the first error. */
export class TemplateParseError extends Error {
  override name = 'TemplateParseError';

  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${source}:${line}:${column}: ${reason}`);
  }
}

/** Chooses the format by file extension: `.json` is JSON, anything else YAML. */
export function templateFormatOf(fileName: string): TemplateFormat {
  return fileName.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
}

export interface ParseTemplateOptions {
  /**
   * The caller only reads the nodes and the value, and never edits or
   * serializes the document. The template may then be read by the faster
   * readers of `template-readers/`, which keep no comments.
   */
  readOnly?: boolean;
}

/**
 * Parses a template. JSON is a subset of YAML 1.2, so both go through the
 * same parser and every node keeps its source range. With `readOnly`, a
 * faster reader builds the same nodes for the JSON and block YAML that it
 * covers, and the `yaml` library parses the rest.
 */
export function parseTemplate(
  text: string,
  source: string,
  options: ParseTemplateOptions = {},
): ParsedTemplate {
  const format = templateFormatOf(source);
  const input = stripBom(text);
  const lineCounter = new LineCounter();
  const contents = options.readOnly ? readQuickly(input, format) : undefined;
  const document = contents
    ? documentOf(contents, input, lineCounter)
    : parseDocument(input, {
        schema: cfnSchema(),
        lineCounter,
        keepSourceTokens: false,
        uniqueKeys: true,
        prettyErrors: false,
      });
  const firstError = document.errors[0];
  if (firstError) {
    const position = lineCounter.linePos(firstError.pos[0]);
    throw new TemplateParseError(
      source,
      position.line,
      position.col,
      firstError.message.split('\n')[0],
    );
  }
  const parsed = { source, format, text, document, lineCounter };
  if (!options.readOnly) {
    return { ...parsed, value: toCfnValue(document.contents) };
  }
  // A read-only caller never changes the document, so the value can be
  // converted when first read. sync-versions reads only the top level.
  let value: unknown;
  let converted = false;
  return {
    ...parsed,
    get value() {
      if (!converted) {
        value = toCfnValue(document.contents);
        converted = true;
      }
      return value;
    },
  };
}

/**
 * Returns the template's top-level value: each key with its value
 * converted one level deep, as `{}` or `[]` for a mapping or a sequence.
 * That is enough for `isCloudFormationTemplate` and cheaper than `value`.
 */
export function topLevelValueOf(template: ParsedTemplate): unknown {
  return toCfnValue(template.document.contents, 1);
}

let sharedSchema: Schema | undefined;

/**
 * The core schema with the short-form tags, built once. `parseDocument`
 * otherwise builds a schema for every document, which cost about a sixth
 * of the parse time of a small template (`yaml` 2.9).
 */
function cfnSchema(): Schema {
  sharedSchema ??= new Schema({
    schema: 'core',
    resolveKnownTags: true,
    customTags: (tags: Tags) => tags.concat(CFN_YAML_TAGS),
  });
  return sharedSchema;
}

function readQuickly(text: string, format: TemplateFormat): Node | undefined {
  return format === 'json' ? readJsonNodes(text) : readYamlNodes(text);
}

/** Wraps nodes built by a reader in a document, as `parseDocument` does. */
function documentOf(
  contents: Node,
  text: string,
  lineCounter: LineCounter,
): Document.Parsed {
  const document = new Document(undefined, { schema: cfnSchema() });
  document.contents = contents;
  document.range = [0, text.length, text.length];
  lineCounter.addNewLine(0);
  for (
    let offset = text.indexOf('\n');
    offset !== -1;
    offset = text.indexOf('\n', offset + 1)
  ) {
    lineCounter.addNewLine(offset + 1);
  }
  return document as Document.Parsed;
}

/** Removes a UTF-8 byte order mark; offsets in the parsed document then start after it. */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
}

/**
 * Converts a parsed node to a plain value, turning short-form tags into the
 * long form: `!Ref X` becomes `{ Ref: 'X' }`, `!GetAtt A.B` becomes
 * `{ 'Fn::GetAtt': ['A', 'B'] }`.
 */
export function toCfnValue(node: unknown, depth = Infinity): unknown {
  const plain = toPlainValue(node, depth);
  const tag = (node as Node | null)?.tag;
  const longForm = tag ? SHORT_FORM_TAGS[tag] : undefined;
  if (!longForm) {
    return plain;
  }
  if (longForm === 'Fn::GetAtt' && typeof plain === 'string') {
    const dot = plain.indexOf('.');
    return { [longForm]: [plain.slice(0, dot), plain.slice(dot + 1)] };
  }
  return { [longForm]: plain };
}

/** Converts a node; a collection at `depth` 0 becomes empty. */
function toPlainValue(node: unknown, depth: number): unknown {
  if (isMap(node)) {
    const result: Record<string, unknown> = {};
    if (depth <= 0) return result;
    for (const pair of node.items) {
      const key = isScalar(pair.key)
        ? String(pair.key.value)
        : String(pair.key);
      result[key] = toCfnValue(pair.value, depth - 1);
    }
    return result;
  }
  if (isSeq(node)) {
    if (depth <= 0) return [];
    return node.items.map((item) => toCfnValue(item, depth - 1));
  }
  if (isScalar(node)) {
    return node.value;
  }
  return node ?? null;
}

/** Returns the 1-based line and column of an offset in the template text. */
export function positionOf(
  template: ParsedTemplate,
  offset: number,
): { line: number; column: number } {
  const { line, col } = template.lineCounter.linePos(offset);
  return { line, column: col };
}

/** Resources of a template as `[logicalId, resource]` pairs. */
export function resourcesOf(
  value: unknown,
): Array<[string, { Type?: string; Properties?: Record<string, unknown> }]> {
  const resources = (value as { Resources?: unknown } | null)?.Resources;
  if (typeof resources !== 'object' || resources === null) {
    return [];
  }
  return Object.entries(resources as Record<string, never>);
}

/** True when a parsed value looks like a CloudFormation or SAM template. */
export function isCloudFormationTemplate(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const template = value as Record<string, unknown>;
  return (
    'AWSTemplateFormatVersion' in template ||
    (typeof template.Resources === 'object' && template.Resources !== null)
  );
}
