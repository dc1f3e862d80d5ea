import {
  Document,
  isMap,
  isNode,
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
 * same parser and every node keeps its source range. A `.json` template
 * must also be valid JSON, because the YAML parser accepts more, such as
 * trailing commas and single-quoted strings. With `readOnly`, a faster
 * reader builds the same nodes for the JSON and block YAML that it covers,
 * and the `yaml` library parses the rest.
 *
 * Node ranges are offsets into `text`. A byte order mark at its start
 * stays in `text` and counts as offset 0, so the first value starts at 1.
 */
export function parseTemplate(
  text: string,
  source: string,
  options: ParseTemplateOptions = {},
): ParsedTemplate {
  const format = templateFormatOf(source);
  const lineCounter = new LineCounter();
  const contents = options.readOnly ? readQuickly(text, format) : undefined;
  // The JSON reader returns nodes only for strict JSON, so only text that
  // it declines needs JSON.parse.
  if (format === 'json' && !contents) {
    checkJsonSyntax(text, source);
  }
  const document = contents
    ? documentOf(contents, text, lineCounter)
    : parseDocument(text, {
        schema: cfnSchema(),
        lineCounter,
        keepSourceTokens: false,
        uniqueKeys: true,
        prettyErrors: false,
      });
  const firstError = document.errors[0];
  if (firstError) {
    const { line, column } = lineAndColumnOf(
      text,
      lineCounter,
      firstError.pos[0],
    );
    throw new TemplateParseError(
      source,
      line,
      column,
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

const BYTE_ORDER_MARK = 0xfeff;

/** Returns 1 when `text` starts with a byte order mark, else 0. */
function bomLengthOf(text: string): number {
  return text.charCodeAt(0) === BYTE_ORDER_MARK ? 1 : 0;
}

/**
 * Reads the text with a fast reader, or returns undefined when the reader
 * declines it. The readers do not accept a byte order mark, so they read
 * the text after it, and the ranges are then moved back over it.
 */
function readQuickly(text: string, format: TemplateFormat): Node | undefined {
  const bomLength = bomLengthOf(text);
  const body = bomLength > 0 ? text.slice(bomLength) : text;
  const contents =
    format === 'json' ? readJsonNodes(body) : readYamlNodes(body);
  if (contents && bomLength > 0) {
    shiftRanges(contents, bomLength);
  }
  return contents;
}

/** Adds `delta` to every offset of the ranges in a reader's node tree. */
function shiftRanges(node: unknown, delta: number): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      shiftRanges(pair.key, delta);
      shiftRanges(pair.value, delta);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      shiftRanges(item, delta);
    }
  }
  if (isNode(node) && node.range) {
    const [start, valueEnd, nodeEnd] = node.range;
    node.range = [start + delta, valueEnd + delta, nodeEnd + delta];
  }
}

/**
 * Throws a TemplateParseError when the text, after a byte order mark if it
 * has one, is not valid JSON.
 */
function checkJsonSyntax(text: string, source: string): void {
  const bomLength = bomLengthOf(text);
  try {
    JSON.parse(bomLength > 0 ? text.slice(bomLength) : text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // Node.js 20 ends most messages with `at position N`, and newer versions
    // may add `(line L column C)`, so the pattern removes both. Some
    // messages, such as `Unexpected token ']', "[1,]" is not valid JSON`,
    // give no position.
    // NOTE: errors without a position are reported at line 1, column 1.
    const match =
      / (?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?/.exec(
        error.message,
      );
    const offset = match ? bomLength + Number(match[1]) : 0;
    const detail = match
      ? error.message.slice(0, match.index) +
        error.message.slice(match.index + match[0].length)
      : error.message;
    const { line, column } = lineAndColumnOf(text, undefined, offset);
    throw new TemplateParseError(
      source,
      line,
      column,
      `invalid JSON: ${detail.replace(/\r?\n/g, '\\n')}`,
    );
  }
}

/** Wraps nodes built by a reader in a document, as `parseDocument` does. */
function documentOf(
  contents: Node,
  text: string,
  lineCounter: LineCounter,
): Document.Parsed {
  const document = new Document(undefined, { schema: cfnSchema() });
  document.contents = contents;
  document.range = [bomLengthOf(text), text.length, text.length];
  addLineStarts(text, lineCounter);
  return document as Document.Parsed;
}

function addLineStarts(text: string, lineCounter: LineCounter): void {
  lineCounter.addNewLine(0);
  for (
    let offset = text.indexOf('\n');
    offset !== -1;
    offset = text.indexOf('\n', offset + 1)
  ) {
    lineCounter.addNewLine(offset + 1);
  }
}

/**
 * Returns the 1-based line and column of an offset in `text`, from the
 * line starts in `lineCounter` or, without it, from the text. A byte order
 * mark takes no column, as in editors.
 */
function lineAndColumnOf(
  text: string,
  lineCounter: LineCounter | undefined,
  offset: number,
): { line: number; column: number } {
  if (!lineCounter) {
    lineCounter = new LineCounter();
    addLineStarts(text, lineCounter);
  }
  const { line, col } = lineCounter.linePos(offset);
  const column = line === 1 ? Math.max(1, col - bomLengthOf(text)) : col;
  return { line, column };
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
  return lineAndColumnOf(template.text, template.lineCounter, offset);
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
