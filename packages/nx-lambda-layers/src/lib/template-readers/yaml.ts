import { Pair, Scalar, YAMLMap, YAMLSeq, type Node } from 'yaml';
import { mapNode, pairNode, scalarNode, seqNode } from './yaml-nodes';
import { SHORT_FORM_TAGS } from '../template';
import { resolvePlainScalar } from './plain-scalar';
import {
  CARRIAGE_RETURN,
  COLON,
  DASH,
  DECLINED,
  decline,
  HASH,
  NOT_PLAIN_START,
  SPACE,
} from './yaml-common';
import { FlowReader, readScalar } from './yaml-flow';

/**
 * Reads the block-style YAML that CloudFormation templates are usually
 * written in. It builds the node tree that `parseDocument` of the `yaml`
 * library builds for the same text, with the same kinds, tags, scalar
 * values and types, and the same first two offsets of every node's range.
 *
 * It covers one document whose root is a block mapping. Inside it, it
 * reads block mappings and sequences indented by spaces, compact mappings
 * in sequence items, and one-line plain, single-quoted and double-quoted
 * scalars. It also reads literal and folded block scalars, one-line flow
 * collections, comments, and the CloudFormation short-form tags. For
 * anything else it returns undefined
 * and the caller parses the text with the `yaml` library, which also
 * reports syntax errors. That includes anchors and aliases, block scalars
 * with an indentation indicator, and plain or quoted scalars and flow
 * collections over several lines. It also includes empty values, explicit
 * keys, other tags, directives, several documents, tabs, duplicate keys,
 * and comments that the library would attach inside a block collection
 * that ends there.
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

  /**
   * Returns the maximum indentation of a trailing comment that stays with
   * the block mapping at `indent`. It is one less when the mapping's last
   * value is a block sequence at the same indentation, because that
   * sequence takes such comments.
   */
  private trailingCommentLimit(map: YAMLMap, indent: number): number {
    const last = map.items[map.items.length - 1]?.value;
    if (!(last instanceof YAMLSeq) || last.flow || !last.range) return indent;
    const dash = last.range[0];
    const column = dash - (this.text.lastIndexOf('\n', dash - 1) + 1);
    return column === indent ? indent - 1 : indent;
  }

  /**
   * Declines when a nested block collection ends before `next` (or at the
   * end of the text) and a comment line between them is indented more than
   * `limit` (see `trailingCommentLimit`). The `yaml` library attaches such
   * a comment to a node inside the collection, which moves the end offset
   * of that node and of the collections around it to the end of the
   * comment. A comment up to `limit` only moves the third offset of the
   * collection itself.
   */
  private checkTrailingComments(limit: number, next: Line | undefined): void {
    const { text } = this;
    const end = next ? next.start : text.length;
    let start = this.pos;
    while (start < end) {
      const content = this.skipSpaces(start, end);
      if (text.charCodeAt(content) === HASH && content - start > limit) {
        decline();
      }
      const lineEnd = text.indexOf('\n', content);
      start = lineEnd === -1 ? end : lineEnd + 1;
    }
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
    const map = mapNode();
    const keys = new Set<unknown>();
    let start = -1;
    let end = 0;
    let entry = firstKey;
    for (;;) {
      if (!entry) {
        const line = this.peekLine();
        if (!line || line.indent < indent) {
          if (indent > 0)
            this.checkTrailingComments(
              this.trailingCommentLimit(map, indent),
              line,
            );
          break;
        }
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
    return pairNode(key, value);
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
    const first = text[at];
    if (at < line.end && (first === '|' || first === '>')) {
      const scalar = this.readBlockScalar(at, line, indent);
      if (tag) scalar.tag = tag;
      return scalar;
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

  /**
   * Reads a literal (`|`) or folded (`>`) block scalar whose header is at
   * `start` of `line`, with clip, strip (`-`) or keep (`+`) chomping. Its
   * content lines are indented by more than `indent`, which is the column
   * of the mapping keys or sequence dashes that own it. An explicit
   * indentation indicator, an empty scalar, and a line of only spaces that
   * is indented beyond the content are left to the full parser.
   */
  private readBlockScalar(start: number, line: Line, indent: number): Scalar {
    const { text } = this;
    let at = start + 1;
    let chomping = text[at];
    if (chomping === '-' || chomping === '+') at++;
    else chomping = '';
    if (!this.isBlankOrComment(at, line.end)) decline();

    // Lines of the scalar without their indentation; '' for an empty line.
    const lines: string[] = [];
    let contentIndent = -1;
    let leadingSpaces = 0;
    let contentLines = 0;
    let contentEnd = line.next;
    let lineStart = line.next;
    while (lineStart < text.length) {
      const content = this.skipSpaces(lineStart, text.length);
      let lineEnd = text.indexOf('\n', content);
      if (lineEnd === -1) lineEnd = text.length;
      const next = Math.min(lineEnd + 1, text.length);
      const bodyEnd =
        text.charCodeAt(lineEnd - 1) === CARRIAGE_RETURN
          ? lineEnd - 1
          : lineEnd;
      const spaces = content - lineStart;
      if (content >= bodyEnd) {
        if (contentIndent < 0) leadingSpaces = Math.max(leadingSpaces, spaces);
        else if (spaces > contentIndent) decline();
        // The yaml library (2.9) counts no empty line for spaces that end
        // the text without a line break.
        if (chomping === '+' && lineEnd === text.length) decline();
        lines.push('');
        lineStart = next;
        continue;
      }
      if (contentIndent < 0) {
        if (spaces <= indent || leadingSpaces > spaces) decline();
        contentIndent = spaces;
      } else if (spaces < contentIndent) {
        break;
      }
      lines.push(text.slice(lineStart + contentIndent, bodyEnd));
      contentLines = lines.length;
      contentEnd = next;
      lineStart = next;
    }
    if (contentIndent < 0) decline();
    this.pos = lineStart;

    const body =
      text[start] === '>'
        ? foldLines(lines, contentLines)
        : lines.slice(0, contentLines).join('\n');
    let value = body;
    let end = contentEnd;
    if (chomping === '') {
      value = `${body}\n`;
    } else if (chomping === '+') {
      // Keep chomping also keeps the trailing empty lines, and the range
      // ends after them.
      value = `${body}\n${'\n'.repeat(lines.length - contentLines)}`;
      end = lineStart;
    }
    const scalar = scalarNode(value);
    scalar.type =
      text[start] === '>' ? Scalar.BLOCK_FOLDED : Scalar.BLOCK_LITERAL;
    scalar.range = [start, end, end];
    return scalar;
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
    key = scalarNode(resolvePlainScalar(source));
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
    const seq = seqNode();
    let start = -1;
    let end = 0;
    let item = firstItem;
    for (;;) {
      if (!item) {
        const line = this.peekLine();
        if (!line || line.indent < indent) {
          this.checkTrailingComments(indent, line);
          break;
        }
        if (line.indent > indent) decline();
        if (!this.isSequenceItem(line)) {
          this.checkTrailingComments(indent, line);
          break;
        }
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

/**
 * Joins the first `count` lines of a folded block scalar: a line break
 * between two lines of text becomes a space, and each empty line between
 * them a line feed. Line breaks next to a more-indented line (one that
 * starts with a space) are kept.
 */
function foldLines(lines: string[], count: number): string {
  let value = '';
  let previous: string | undefined;
  let empty = 0;
  for (const line of lines.slice(0, count)) {
    if (line === '') {
      empty++;
      continue;
    }
    if (previous === undefined) {
      value += '\n'.repeat(empty);
    } else if (previous[0] !== ' ' && line[0] !== ' ') {
      value += empty === 0 ? ' ' : '\n'.repeat(empty);
    } else {
      value += '\n'.repeat(empty + 1);
    }
    value += line;
    previous = line;
    empty = 0;
  }
  return value;
}
