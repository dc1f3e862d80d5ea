import { Pair, Scalar, YAMLMap, YAMLSeq, type Node } from 'yaml';
import { mapNode, pairNode, scalarNode, seqNode } from './yaml-nodes';

/**
 * Containers nested deeper than this are left to the `yaml` library. Its
 * composer is recursive and reports RESOURCE_EXHAUSTION at a depth that
 * depends on the free stack (from about 900 levels in a test under Node.js
 * 20), so declining deep documents keeps that behaviour unchanged.
 */
const MAX_DEPTH = 100;

/** Objects with more keys than this check duplicates with a `Set`. */
const MAX_LINEAR_KEY_CHECK = 8;

const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Reads a JSON text in one pass into the node tree that `parseDocument` of
 * the `yaml` library (2.9, core schema, `uniqueKeys: true`) returns as
 * `document.contents`. The nodes have the same classes, flow flags, scalar
 * values, scalar types and value ranges.
 *
 * Returns undefined for any text that is not strict JSON (RFC 8259), for a
 * duplicate key in an object and for an empty text. It also leaves three
 * kinds of valid JSON to the library. A carriage return without a line
 * feed is one, because the library reads a different value. A tab before
 * a root scalar is another, because the library may reject it. The third
 * is nesting deeper than `MAX_DEPTH`. The caller then parses with the
 * library, which reports errors with their line and column.
 *
 * The third offset of every `range` equals the second. The library extends
 * it over the whitespace after the value, which the plugin does not read.
 * Nodes carry no `schema` and no `spaceBefore` flag, which the library
 * sets on items after a blank line and uses only to stringify.
 */
export function readJsonNodes(text: string): Node | undefined {
  return new JsonNodeReader(text).readDocument();
}

class JsonNodeReader {
  private position = 0;

  constructor(private readonly text: string) {}

  readDocument(): Node | undefined {
    this.skipWhitespace();
    const start = this.position;
    const root = this.readValue(0);
    if (root === undefined) return undefined;
    // The library rejects some tabs before a root scalar as indentation
    // (TAB_AS_INDENT, as in `\t1`) but none before a root object or array.
    // This reader declines every tab before a root scalar.
    if (root instanceof Scalar && this.text.slice(0, start).includes('\t')) {
      return undefined;
    }
    this.skipWhitespace();
    return this.position === this.text.length ? root : undefined;
  }

  /**
   * Skips JSON whitespace and returns the code of the next character (NaN at
   * the end). A carriage return counts only before a line feed, because the
   * library reads a lone one as part of a plain scalar.
   */
  private skipWhitespace(): number {
    const text = this.text;
    let index = this.position;
    let code = text.charCodeAt(index);
    while (
      code === SPACE ||
      code === LINE_FEED ||
      code === TAB ||
      (code === CARRIAGE_RETURN && text.charCodeAt(index + 1) === LINE_FEED)
    ) {
      code = text.charCodeAt(++index);
    }
    this.position = index;
    return code;
  }

  /** Reads the value at the current position, after any whitespace. */
  private readValue(depth: number): Node | undefined {
    const code = this.text.charCodeAt(this.position);
    switch (code) {
      case OPEN_BRACE:
        return depth < MAX_DEPTH ? this.readObject(depth + 1) : undefined;
      case OPEN_BRACKET:
        return depth < MAX_DEPTH ? this.readArray(depth + 1) : undefined;
      case QUOTE:
        return this.readString();
      case LOWER_T:
        return this.readLiteral('true', true);
      case LOWER_F:
        return this.readLiteral('false', false);
      case LOWER_N:
        return this.readLiteral('null', null);
      default:
        return code === MINUS || (code >= DIGIT_0 && code <= DIGIT_9)
          ? this.readNumber()
          : undefined;
    }
  }

  private readObject(depth: number): YAMLMap | undefined {
    const start = this.position++;
    const map = mapNode();
    map.flow = true;
    const items = map.items as Pair<Scalar<string>, Node>[];
    let keySet: Set<string> | undefined;
    let code = this.skipWhitespace();
    if (code !== CLOSE_BRACE) {
      for (;;) {
        if (code !== QUOTE) return undefined;
        const key = this.readString();
        if (key === undefined) return undefined;
        // `uniqueKeys: true` makes the library reject equal decoded keys.
        const name = key.value;
        if (items.length < MAX_LINEAR_KEY_CHECK) {
          for (let index = 0; index < items.length; index++) {
            if (items[index].key.value === name) return undefined;
          }
        } else {
          keySet ??= new Set(items.map((pair) => pair.key.value));
          if (keySet.has(name)) return undefined;
          keySet.add(name);
        }
        if (this.skipWhitespace() !== COLON) return undefined;
        this.position++;
        this.skipWhitespace();
        const value = this.readValue(depth);
        if (value === undefined) return undefined;
        items.push(pairNode(key, value));
        code = this.skipWhitespace();
        if (code === CLOSE_BRACE) break;
        if (code !== COMMA) return undefined;
        this.position++;
        code = this.skipWhitespace();
      }
    }
    this.position++;
    map.range = [start, this.position, this.position];
    return map;
  }

  private readArray(depth: number): YAMLSeq | undefined {
    const start = this.position++;
    const seq = seqNode();
    seq.flow = true;
    let code = this.skipWhitespace();
    if (code !== CLOSE_BRACKET) {
      for (;;) {
        const item = this.readValue(depth);
        if (item === undefined) return undefined;
        seq.items.push(item);
        code = this.skipWhitespace();
        if (code === CLOSE_BRACKET) break;
        if (code !== COMMA) return undefined;
        this.position++;
        this.skipWhitespace();
      }
    }
    this.position++;
    seq.range = [start, this.position, this.position];
    return seq;
  }

  /**
   * Reads a string. Text without a backslash is taken as is, and text with
   * one is decoded by `JSON.parse`, which also rejects invalid escapes.
   */
  private readString(): Scalar<string> | undefined {
    const text = this.text;
    const start = this.position;
    let index = start + 1;
    let hasEscape = false;
    for (;;) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) break;
      if (code === BACKSLASH) {
        // Skips the escaped character so that `\"` does not end the string.
        hasEscape = true;
        index += 2;
        continue;
      }
      // Rejects the control characters that JSON forbids in a string, and
      // the end of the text (NaN).
      if (!(code >= SPACE)) return undefined;
      index++;
    }
    const end = index + 1;
    let value: string;
    if (hasEscape) {
      try {
        value = JSON.parse(text.slice(start, end)) as string;
      } catch {
        return undefined;
      }
    } else {
      value = text.slice(start + 1, index);
    }
    this.position = end;
    return makeScalar(value, Scalar.QUOTE_DOUBLE, value, start, end);
  }

  private readLiteral(
    word: string,
    value: boolean | null,
  ): Scalar<boolean | null> | undefined {
    const start = this.position;
    if (!this.text.startsWith(word, start)) return undefined;
    const end = start + word.length;
    this.position = end;
    return makeScalar(value, Scalar.PLAIN, word, start, end);
  }

  /**
   * Reads a number with the JSON grammar and resolves it as the core
   * schema's int, float or exponential float tag does.
   */
  private readNumber(): Scalar<number> | undefined {
    const text = this.text;
    const start = this.position;
    let index = start;
    let code = text.charCodeAt(index);
    if (code === MINUS) code = text.charCodeAt(++index);
    if (code === DIGIT_0) {
      code = text.charCodeAt(++index);
    } else if (code >= DIGIT_1 && code <= DIGIT_9) {
      index = skipDigits(text, index + 1);
      code = text.charCodeAt(index);
    } else {
      return undefined;
    }

    let hasFraction = false;
    if (code === DOT) {
      hasFraction = true;
      index = skipDigits(text, index + 1, true);
      if (index < 0) return undefined;
      code = text.charCodeAt(index);
    }

    let hasExponent = false;
    if (code === LOWER_E || code === UPPER_E) {
      hasExponent = true;
      code = text.charCodeAt(++index);
      if (code === PLUS || code === MINUS) index++;
      index = skipDigits(text, index, true);
      if (index < 0) return undefined;
    }

    // A character that cannot follow a number (as in `01` or `1x`) is left
    // for the caller, which expects a comma, a bracket, whitespace or the end.
    this.position = index;
    return makeNumberScalar(
      text.slice(start, index),
      start,
      hasFraction,
      hasExponent,
    );
  }
}

/** Resolves a JSON number token as the core schema of the `yaml` library does. */
function makeNumberScalar(
  source: string,
  start: number,
  hasFraction: boolean,
  hasExponent: boolean,
): Scalar<number> {
  const end = start + source.length;
  if (!hasFraction && !hasExponent) {
    // parseInt as in the library's int tag, so `-0` stays negative zero.
    const value = parseInt(source, 10);
    return makeScalar(value, Scalar.PLAIN, source, start, end);
  }

  const scalar = makeScalar(
    parseFloat(source),
    Scalar.PLAIN,
    source,
    start,
    end,
  );
  if (hasExponent) {
    scalar.format = 'EXP';
  } else if (source.charCodeAt(source.length - 1) === DIGIT_0) {
    // The library's float tag keeps trailing zeros of the fraction for
    // stringifying: `2.50` keeps two fraction digits.
    scalar.minFractionDigits = source.length - source.indexOf('.') - 1;
  }
  return scalar;
}

/**
 * Returns the index after the ASCII digits from `index`, or -1 when
 * `required` and there is no digit.
 */
function skipDigits(text: string, index: number, required = false): number {
  const first = index;
  let code = text.charCodeAt(index);
  while (code >= DIGIT_0 && code <= DIGIT_9) {
    code = text.charCodeAt(++index);
  }
  return required && index === first ? -1 : index;
}

function makeScalar<T>(
  value: T,
  type: Scalar.Type,
  source: string,
  start: number,
  end: number,
): Scalar<T> {
  const scalar = scalarNode(value);
  scalar.type = type;
  scalar.source = source;
  scalar.range = [start, end, end];
  return scalar;
}
