import { Pair, Scalar, YAMLMap, YAMLSeq, type Node } from 'yaml';
import { SHORT_FORM_TAGS } from '../template';
import { resolvePlainScalar } from './plain-scalar';

/**
 * Reads the block-style YAML that CloudFormation templates are usually
 * written in, and builds the node tree that `parseDocument` of the `yaml`
 * library builds for the same text: the same kinds, tags, scalar values
 * and types, and the same first two offsets of every node's range.
 *
 * It covers one document whose root is a block mapping, with block
 * mappings and sequences indented by spaces, compact mappings in sequence
 * items, one-line plain, single-quoted and double-quoted scalars, one-line
 * flow collections, comments, and the CloudFormation short-form tags. For
 * anything else it returns undefined and the caller parses the text with
 * the `yaml` library, which also reports syntax errors. That includes
 * anchors and aliases, block scalars (`|`, `>`), scalars or flow
 * collections over several lines, empty values, explicit keys, other tags,
 * directives, several documents, tabs and duplicate keys.
 *
 * NOTE: the third offset of a range (the end including trailing comments)
 * is the end of the node's last line for block-context nodes and equals
 * the second offset inside flow collections. The root mapping ends where
 * its last entry ends. The `yaml` library gives other offsets for these
 * when comments follow a node.
 */
export function readYamlNodes(text: string): Node | undefined {
  if (UNSUPPORTED_CHARACTERS.test(text)) return undefined;
  try {
    return new BlockReader(text).readDocument();
  } catch (error) {
    if (error === DECLINED) return undefined;
    throw error;
  }
}

/** Tabs, control characters other than line feed, and a lone carriage return. */
const UNSUPPORTED_CHARACTERS = /[\0-\x09\x0b-\x0c\x0e-\x1f\x7f]|\r(?!\n)/;

/** Thrown inside the reader when the text needs the full parser. */
const DECLINED = new Error('declined by the block YAML reader');

function decline(): never {
  throw DECLINED;
}

const SPACE = 0x20;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** One line of the text. `content` is the offset of its first non-space. */
interface Line {
  start: number;
  indent: number;
  content: number;
  /** Offset of the line break, or the text length. */
  end: number;
  /** Offset of the next line's start, or the text length. */
  next: number;
}

/** First characters that cannot start a plain scalar. */
const NOT_PLAIN_START = new Set('[]{},#&*!|>\'"%@`?');
/** Characters that end a plain scalar inside a flow collection. */
const FLOW_INDICATORS = new Set(',[]{}');

class BlockReader {
  /** Start of the first line not read yet. */
  private pos = 0;

  constructor(private readonly text: string) {}

  readDocument(): YAMLMap {
    let line = this.peekLine();
    if (line && this.isDocumentStart(line)) {
      this.pos = line.next;
      line = this.peekLine();
    }
    if (!line || line.indent !== 0 || this.isSequenceItem(line)) decline();
    const root = this.readMap(0);
    if (this.peekLine()) decline();
    return root;
  }

  /** Returns the next line with content, skipping blank and comment lines. */
  private peekLine(): Line | undefined {
    const { text } = this;
    let start = this.pos;
    while (start < text.length) {
      let content = start;
      while (text.charCodeAt(content) === SPACE) content++;
      let end = text.indexOf('\n', content);
      let next = end + 1;
      if (end === -1) {
        end = text.length;
        next = end;
      }
      if (text.charCodeAt(end - 1) === CARRIAGE_RETURN && end > content) end--;
      const code = text.charCodeAt(content);
      if (content < end && code !== HASH && code !== CARRIAGE_RETURN) {
        const line = { start, indent: content - start, content, end, next };
        if (line.indent === 0 && this.isDocumentMarker(line)) {
          if (this.pos !== 0 || !this.isDocumentStart(line)) decline();
        }
        return line;
      }
      start = next;
    }
    return undefined;
  }

  private isDocumentMarker(line: Line): boolean {
    const marker = this.text.slice(line.content, line.content + 3);
    return (
      (marker === '---' || marker === '...') &&
      this.isBlankOrComment(line.content + 3, line.end)
    );
  }

  private isDocumentStart(line: Line): boolean {
    return (
      line.indent === 0 &&
      this.text.startsWith('---', line.content) &&
      this.isBlankOrComment(line.content + 3, line.end)
    );
  }

  private isSequenceItem(line: Line): boolean {
    return (
      this.text.charCodeAt(line.content) === DASH &&
      this.isSpaceOrEnd(line.content + 1, line.end)
    );
  }

  private isSpaceOrEnd(offset: number, end: number): boolean {
    return offset >= end || this.text.charCodeAt(offset) === SPACE;
  }

  /**
   * True when only spaces follow `offset`, maybe with a comment, which
   * needs a space before its `#`.
   */
  private isBlankOrComment(offset: number, end: number): boolean {
    const after = this.skipSpaces(offset, end);
    return (
      after >= end || (this.text.charCodeAt(after) === HASH && after > offset)
    );
  }

  private skipSpaces(offset: number, end: number): number {
    while (offset < end && this.text.charCodeAt(offset) === SPACE) offset++;
    return offset;
  }

  /** Reads the block collection that starts on `line`. */
  private readBlock(line: Line): YAMLMap | YAMLSeq {
    return this.isSequenceItem(line)
      ? this.readSeq(line.indent)
      : this.readMap(line.indent);
  }

  /**
   * Reads a block mapping whose keys are at column `indent`. With
   * `firstKey`, the first key is on a line already read (a compact mapping
   * in a sequence item), at offset `firstKey.start`.
   */
  private readMap(
    indent: number,
    firstKey?: { start: number; line: Line },
  ): YAMLMap {
    const map = new YAMLMap();
    const keys = new Set<unknown>();
    let start = -1;
    let end = 0;
    let entry = firstKey;
    for (;;) {
      if (!entry) {
        const line = this.peekLine();
        if (!line || line.indent < indent) break;
        if (line.indent > indent || this.isSequenceItem(line)) decline();
        this.pos = line.next;
        entry = { start: line.content, line };
      }
      const pair = this.readEntry(entry.start, entry.line, indent);
      const key = pair.key as Scalar;
      if (keys.has(key.value)) decline();
      keys.add(key.value);
      if (start < 0) start = entry.start;
      end = (pair.value as Node).range?.[2] ?? end;
      map.items.push(pair);
      entry = undefined;
    }
    map.range = [start, end, end];
    return map;
  }

  /** Reads `key: value` from `start`; the value may go on below `line`. */
  private readEntry(start: number, line: Line, indent: number): Pair {
    const { key, afterColon } = this.readKey(start, line.end);
    const value = this.readValue(afterColon, line, indent, true);
    return new Pair(key, value);
  }

  /**
   * Reads the value after `- ` or `key:` at `offset` of `line`: a scalar or
   * flow collection on the line, or a block collection on the lines below.
   * A mapping value's block sequence may be at the key's own indentation.
   */
  private readValue(
    offset: number,
    line: Line,
    indent: number,
    isMapValue: boolean,
  ): Node {
    const { text } = this;
    let at = this.skipSpaces(offset, line.end);
    let tag: string | undefined;
    if (at < line.end && text.charCodeAt(at) === 0x21 /* ! */) {
      const tagEnd = this.tokenEnd(at, line.end);
      tag = text.slice(at, tagEnd);
      if (!(tag in SHORT_FORM_TAGS)) decline();
      at = this.skipSpaces(tagEnd, line.end);
      if (at === tagEnd && at < line.end) decline();
    }
    if (at < line.end && text.charCodeAt(at) !== HASH) {
      return this.readInline(at, line, tag);
    }
    if (at < line.end && at === offset) decline();
    const below = this.peekLine();
    if (!below) decline();
    const nested =
      below.indent > indent ||
      (isMapValue && below.indent === indent && this.isSequenceItem(below));
    if (!nested) decline();
    const block = this.readBlock(below);
    if (tag) block.tag = tag;
    return block;
  }

  /** Offset of the first space after `offset`, or `end`. */
  private tokenEnd(offset: number, end: number): number {
    let at = offset;
    while (at < end && this.text.charCodeAt(at) !== SPACE) at++;
    return at;
  }

  /** Reads a scalar or flow collection that ends its line. */
  private readInline(start: number, line: Line, tag?: string): Node {
    const { text } = this;
    const first = text[start];
    let node: Node;
    let valueEnd: number;
    if (first === '[' || first === '{') {
      const flow = new FlowReader(text, line.end);
      node = flow.readCollection(start);
      valueEnd = flow.pos;
    } else {
      const scalar = readScalar(
        text,
        start,
        line.end,
        false,
        tag !== undefined,
      );
      node = scalar;
      valueEnd = (scalar.range as number[])[1];
      if (scalar.type === Scalar.PLAIN && this.hasColonSpace(start, valueEnd)) {
        decline();
      }
    }
    if (!this.isBlankOrComment(valueEnd, line.end)) decline();
    if (tag) node.tag = tag;
    const range = node.range as [number, number, number];
    node.range = [range[0], range[1], line.next];
    return node;
  }

  private hasColonSpace(start: number, end: number): boolean {
    const colon = this.text.indexOf(': ', start);
    return (
      (colon !== -1 && colon < end) || this.text.charCodeAt(end - 1) === COLON
    );
  }

  /** Reads a key and its `:` on one line. */
  private readKey(
    start: number,
    end: number,
  ): { key: Scalar; afterColon: number } {
    const { text } = this;
    const first = text[start];
    let key: Scalar;
    let keyEnd: number;
    if (first === '"' || first === "'") {
      key = readScalar(text, start, end, false, false);
      keyEnd = (key.range as number[])[1];
      const colon = this.skipSpaces(keyEnd, end);
      if (text.charCodeAt(colon) !== COLON) decline();
      if (!this.isSpaceOrEnd(colon + 1, end)) decline();
      return { key, afterColon: colon + 1 };
    }
    if (NOT_PLAIN_START.has(first) || first === '-' || first === ':') {
      decline();
    }
    let colon = start;
    for (;;) {
      colon = text.indexOf(':', colon + 1);
      if (colon === -1 || colon >= end) decline();
      if (this.isSpaceOrEnd(colon + 1, end)) break;
    }
    keyEnd = colon;
    while (text.charCodeAt(keyEnd - 1) === SPACE) keyEnd--;
    const source = text.slice(start, keyEnd);
    if (source.includes(' #') || source === '<<') decline();
    key = new Scalar(resolvePlainScalar(source));
    key.type = Scalar.PLAIN;
    key.range = [start, keyEnd, keyEnd];
    return { key, afterColon: colon + 1 };
  }

  /**
   * Reads a block sequence whose `-` indicators are at column `indent`.
   * With `firstItem`, the first `-` is on a line already read (a sequence
   * nested in an item, as in `- - x`), at offset `firstItem.dash`.
   */
  private readSeq(
    indent: number,
    firstItem?: { dash: number; line: Line },
  ): YAMLSeq {
    const seq = new YAMLSeq();
    let start = -1;
    let end = 0;
    let item = firstItem;
    for (;;) {
      if (!item) {
        const line = this.peekLine();
        if (!line || line.indent < indent) break;
        if (line.indent > indent) decline();
        if (!this.isSequenceItem(line)) break;
        this.pos = line.next;
        item = { dash: line.content, line };
      }
      if (start < 0) start = item.dash;
      const node = this.readItem(item.dash, item.line, indent);
      end = node.range?.[2] ?? end;
      seq.items.push(node);
      item = undefined;
    }
    seq.range = [start, end, end];
    return seq;
  }

  /** Reads the item after the `-` at offset `dash` of `line`. */
  private readItem(dash: number, line: Line, indent: number): Node {
    const at = this.skipSpaces(dash + 1, line.end);
    const column = at - line.start;
    if (at < line.end && this.isCompactMapping(at, line.end)) {
      return this.readMap(column, { start: at, line });
    }
    if (
      this.text.charCodeAt(at) === DASH &&
      this.isSpaceOrEnd(at + 1, line.end)
    ) {
      return this.readSeq(column, { dash: at, line });
    }
    return this.readValue(dash + 1, line, indent, false);
  }

  /** True when the item text at `start` is `key: ...` or `key:`. */
  private isCompactMapping(start: number, end: number): boolean {
    const { text } = this;
    const first = text[start];
    if (first === '"' || first === "'") {
      const close = text.indexOf(first, start + 1);
      if (close === -1 || close >= end) return false;
      const after = this.skipSpaces(close + 1, end);
      return text.charCodeAt(after) === COLON;
    }
    if (NOT_PLAIN_START.has(first)) return false;
    const comment = text.indexOf(' #', start);
    const limit = comment !== -1 && comment < end ? comment : end;
    for (let at = text.indexOf(':', start); at !== -1 && at < limit;) {
      if (this.isSpaceOrEnd(at + 1, end)) return true;
      at = text.indexOf(':', at + 1);
    }
    return false;
  }
}

/** Reads a one-line flow collection; any line break declines. */
class FlowReader {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly end: number,
  ) {}

  readCollection(start: number): YAMLMap | YAMLSeq {
    const isMap = this.text[start] === '{';
    const close = isMap ? '}' : ']';
    const collection = isMap ? new YAMLMap() : new YAMLSeq();
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
        (collection as YAMLMap).items.push(new Pair(key, this.readItem(false)));
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
function readScalar(
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
  const scalar = new Scalar(tagged ? source : resolvePlainScalar(source));
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
  const scalar = new Scalar(text.slice(start + 1, at).replaceAll("''", "'"));
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
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  scalar.range = [start, at + 1, at + 1];
  return scalar;
}
