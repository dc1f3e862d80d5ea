import { Pair, Scalar, YAMLMap, YAMLSeq, type Node } from 'yaml';
import { mapNode, pairNode, scalarNode, seqNode } from './yaml-nodes';
import { SHORT_FORM_TAGS } from '../template';
import { resolvePlainScalar } from './plain-scalar';
import {
  COLON,
  decline,
  FLOW_INDICATORS,
  HASH,
  NOT_PLAIN_START,
  SPACE,
} from './yaml-common';

/** Reads a one-line flow collection; any line break declines. */
export class FlowReader {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly end: number,
  ) {}

  readCollection(start: number): YAMLMap | YAMLSeq {
    const isMap = this.text[start] === '{';
    const close = isMap ? '}' : ']';
    const collection = isMap ? mapNode() : seqNode();
    collection.flow = true;
    const keys = new Set<unknown>();
    this.pos = this.skipSpaces(start + 1);
    if (this.text[this.pos] === close) {
      this.pos++;
      collection.range = [start, this.pos, this.pos];
      return collection;
    }
    for (;;) {
      if (isMap) {
        const key = this.readItem(true);
        if (!(key instanceof Scalar) || key.tag) decline();
        if (keys.has(key.value)) decline();
        keys.add(key.value);
        this.pos = this.skipSpaces(this.pos);
        if (this.text.charCodeAt(this.pos) !== COLON) decline();
        this.pos = this.skipSpaces(this.pos + 1);
        (collection as YAMLMap).items.push(pairNode(key, this.readItem(false)));
      } else {
        (collection as YAMLSeq).items.push(this.readItem(false));
      }
      this.pos = this.skipSpaces(this.pos);
      const next = this.text[this.pos];
      if (next === close) {
        this.pos++;
        collection.range = [start, this.pos, this.pos];
        return collection;
      }
      if (next !== ',') decline();
      this.pos = this.skipSpaces(this.pos + 1);
      // A trailing comma and an empty entry are left to the full parser.
      if (this.text[this.pos] === close || this.text[this.pos] === ',') {
        decline();
      }
    }
  }

  /** Reads a flow item: a scalar or nested collection, maybe tagged. */
  private readItem(isKey: boolean): Node {
    const { text } = this;
    let tag: string | undefined;
    if (text[this.pos] === '!') {
      if (isKey) decline();
      let tagEnd = this.pos;
      while (tagEnd < this.end && text.charCodeAt(tagEnd) !== SPACE) tagEnd++;
      tag = text.slice(this.pos, tagEnd);
      if (!(tag in SHORT_FORM_TAGS) || tagEnd >= this.end) decline();
      this.pos = this.skipSpaces(tagEnd);
    }
    const first = text[this.pos];
    let node: Node;
    if (first === '[' || first === '{') {
      if (isKey) decline();
      node = this.readCollection(this.pos);
    } else {
      const scalar = readScalar(
        text,
        this.pos,
        this.end,
        true,
        tag !== undefined,
      );
      this.pos = (scalar.range as number[])[1];
      node = scalar;
    }
    if (tag) node.tag = tag;
    return node;
  }

  private skipSpaces(offset: number): number {
    while (offset < this.end && this.text.charCodeAt(offset) === SPACE) {
      offset++;
    }
    if (offset >= this.end) decline();
    return offset;
  }
}

/**
 * Reads a one-line scalar at `start`. A plain scalar ends before a comment
 * or `: `, and in a flow collection also before a flow indicator. Its
 * value follows the core schema unless it is tagged.
 */
export function readScalar(
  text: string,
  start: number,
  end: number,
  inFlow: boolean,
  tagged: boolean,
): Scalar {
  const first = text[start];
  if (first === '"') return readDoubleQuoted(text, start, end);
  if (first === "'") return readSingleQuoted(text, start, end);
  const next = text.charCodeAt(start + 1);
  const indicatorWithSpace =
    (first === '-' || first === ':' || first === '?') &&
    (start + 1 >= end ||
      next === SPACE ||
      (inFlow && FLOW_INDICATORS.has(text[start + 1])));
  if (NOT_PLAIN_START.has(first) || indicatorWithSpace) decline();

  let at = start;
  let valueEnd = start;
  while (at < end) {
    const code = text.charCodeAt(at);
    if (code === SPACE) {
      if (text.charCodeAt(at + 1) === HASH) break;
    } else {
      if (inFlow) {
        if (FLOW_INDICATORS.has(text[at])) break;
        if (code === COLON) {
          const after = text[at + 1];
          if (at + 1 >= end || after === ' ' || FLOW_INDICATORS.has(after)) {
            break;
          }
        }
      }
      valueEnd = at + 1;
    }
    at++;
  }
  const source = text.slice(start, valueEnd);
  const scalar = scalarNode(tagged ? source : resolvePlainScalar(source));
  scalar.type = Scalar.PLAIN;
  scalar.range = [start, valueEnd, valueEnd];
  return scalar;
}

function readSingleQuoted(text: string, start: number, end: number): Scalar {
  let at = start + 1;
  for (;;) {
    at = text.indexOf("'", at);
    if (at === -1 || at >= end) decline();
    if (text[at + 1] !== "'") break;
    at += 2;
  }
  const scalar = scalarNode(text.slice(start + 1, at).replaceAll("''", "'"));
  scalar.type = Scalar.QUOTE_SINGLE;
  scalar.range = [start, at + 1, at + 1];
  return scalar;
}

/** JSON's escapes, which YAML's double-quoted style reads the same way. */
const JSON_ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/g;

function readDoubleQuoted(text: string, start: number, end: number): Scalar {
  let at = start + 1;
  let escaped = false;
  for (;;) {
    const code = text.charCodeAt(at);
    if (at >= end) decline();
    if (code === 0x5c /* \ */) {
      escaped = true;
      at += 2;
      continue;
    }
    if (code === 0x22 /* " */) break;
    at++;
  }
  const source = text.slice(start + 1, at);
  let value = source;
  if (escaped) {
    // Other YAML escapes (\x, \U, \N, \e, ...) are left to the full parser.
    if (source.replace(JSON_ESCAPE, '').includes('\\')) decline();
    value = JSON.parse(`"${source}"`) as string;
  }
  const scalar = scalarNode(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  scalar.range = [start, at + 1, at + 1];
  return scalar;
}
