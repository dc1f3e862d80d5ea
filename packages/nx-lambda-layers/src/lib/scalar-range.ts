import type { Scalar } from 'yaml';

/**
 * Maps `[start, end)` of a scalar's value to offsets in the template text,
 * or returns undefined when the range is not written verbatim in the source
 * (for example `\x37` for `7`).
 */
export function scalarRangeToSource(
  text: string,
  node: Scalar,
  start: number,
  end: number,
): [number, number] | undefined {
  if (!node.range) {
    return undefined;
  }
  const range =
    node.type === 'QUOTE_DOUBLE'
      ? doubleQuotedRangeToSource(text, node, start, end)
      : verbatimRangeToSource(text, node, start, end);
  const value = String(node.value);
  const written = range && text.slice(range[0], range[1]);
  return written === value.slice(start, end) ? range : undefined;
}

/** Characters that plain, single-quoted and block scalars copy unchanged. */
const VERBATIM = /[^\s'"\\]/;

/**
 * Maps a range of a plain, single-quoted or block scalar. These styles
 * change only whitespace (line folding, indentation) and quotes (`''`).
 * The run of other characters around the range therefore occurs in the
 * source in the same order as in the value, and when it occurs equally
 * often in both, its k-th occurrence in the value is its k-th in the source.
 */
function verbatimRangeToSource(
  text: string,
  node: Scalar,
  start: number,
  end: number,
): [number, number] | undefined {
  const value = String(node.value);
  const raw = rawSourceOf(text, node);
  let runStart = start;
  let runEnd = end;
  while (runStart > 0 && VERBATIM.test(value[runStart - 1])) runStart--;
  while (runEnd < value.length && VERBATIM.test(value[runEnd])) runEnd++;
  const run = value.slice(runStart, runEnd);

  const inValue = run ? indicesOf(value, run) : [];
  const inRaw = run ? indicesOf(raw.text, run) : [];
  if (inValue.length === 0 || inValue.length !== inRaw.length) {
    return undefined;
  }
  const rawStart = raw.offset + inRaw[inValue.indexOf(runStart)];
  return [rawStart + start - runStart, rawStart + end - runStart];
}

/** Maps a range of a double-quoted (YAML or JSON) scalar by decoding it. */
function doubleQuotedRangeToSource(
  text: string,
  node: Scalar,
  start: number,
  end: number,
): [number, number] | undefined {
  const [from, to] = node.range as [number, number, number];
  // Without escapes or line breaks the value is the source between the
  // quotes; the caller compares the mapped text with the value.
  if (!/[\\\r\n]/.test(text.slice(from + 1, to - 1))) {
    return [from + 1 + start, from + 1 + end];
  }
  const decoded = decodeDoubleQuoted(text, from + 1, to - 1);
  if (decoded.value !== String(node.value) || start >= decoded.value.length) {
    return undefined;
  }
  for (let index = start; index < end; index++) {
    const contiguous =
      index === start ||
      decoded.offsets[index] === decoded.offsets[index - 1] + 1;
    if (decoded.rewritten[index] || !contiguous) {
      return undefined;
    }
  }
  const first = decoded.offsets[start];
  return [first, first + end - start];
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};

const HEX_ESCAPE_LENGTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

interface DecodedScalar {
  value: string;
  /** Source offset of each UTF-16 unit of `value`. */
  offsets: number[];
  /** True for units that escapes or line folding produced. */
  rewritten: boolean[];
}

/**
 * Decodes the text of a double-quoted scalar between its quotes, keeping
 * the source offset of each character. Follows the escapes and line
 * folding of YAML 1.2 (sections 5.7 and 7.3.1), which JSON strings also
 * satisfy.
 */
function decodeDoubleQuoted(
  text: string,
  from: number,
  to: number,
): DecodedScalar {
  const decoded: DecodedScalar = { value: '', offsets: [], rewritten: [] };
  const push = (chars: string, offset: number, rewritten: boolean) => {
    for (const unit of chars.split('')) {
      decoded.value += unit;
      decoded.offsets.push(offset);
      decoded.rewritten.push(rewritten);
    }
  };
  let index = from;
  while (index < to) {
    const char = text[index];
    if (char === '\\') {
      index = decodeEscape(text, index, push);
    } else if (char === '\n' || char === '\r') {
      index = foldLineBreaks(text, index, to, push);
    } else if (
      (char === ' ' || char === '\t') &&
      isTrailingSpace(text, index, to)
    ) {
      index++;
    } else {
      push(char, index, false);
      index++;
    }
  }
  return decoded;
}

type PushChars = (chars: string, offset: number, rewritten: boolean) => void;

/** Decodes the escape at `index` and returns the index after it. */
function decodeEscape(text: string, index: number, push: PushChars): number {
  const code = text[index + 1];
  if (code === '\n' || code === '\r') {
    return skipIndentation(text, skipLineBreak(text, index + 1));
  }
  const hexLength = HEX_ESCAPE_LENGTHS[code];
  if (hexLength) {
    const hex = text.slice(index + 2, index + 2 + hexLength);
    push(String.fromCodePoint(parseInt(hex, 16)), index, true);
    return index + 2 + hexLength;
  }
  push(SIMPLE_ESCAPES[code] ?? code, index, true);
  return index + 2;
}

/**
 * Folds the line break at `index` with any empty lines after it: one break
 * becomes a space, n + 1 breaks become n newlines.
 */
function foldLineBreaks(
  text: string,
  index: number,
  to: number,
  push: PushChars,
): number {
  let emptyLines = 0;
  let next = skipIndentation(text, skipLineBreak(text, index));
  while (next < to && (text[next] === '\n' || text[next] === '\r')) {
    emptyLines++;
    next = skipIndentation(text, skipLineBreak(text, next));
  }
  push(emptyLines === 0 ? ' ' : '\n'.repeat(emptyLines), index, true);
  return next;
}

function skipLineBreak(text: string, index: number): number {
  return text.startsWith('\r\n', index) ? index + 2 : index + 1;
}

function skipIndentation(text: string, index: number): number {
  let next = index;
  while (text[next] === ' ' || text[next] === '\t') next++;
  return next;
}

/** True when only spaces and tabs follow `index` up to a line break. */
function isTrailingSpace(text: string, index: number, to: number): boolean {
  const next = skipIndentation(text, index);
  return next < to && (text[next] === '\n' || text[next] === '\r');
}

/** Source text of a scalar's value, without the header of a block scalar. */
function rawSourceOf(
  text: string,
  node: Scalar,
): { text: string; offset: number } {
  const [from, to] = node.range as [number, number, number];
  const isBlock = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
  const offset = isBlock ? text.indexOf('\n', from) + 1 || to : from;
  return { text: text.slice(offset, to), offset };
}

/** Start indices of every occurrence of `needle`, overlaps included. */
function indicesOf(haystack: string, needle: string): number[] {
  const indices: number[] = [];
  for (
    let index = haystack.indexOf(needle);
    index >= 0;
    index = haystack.indexOf(needle, index + 1)
  ) {
    indices.push(index);
  }
  return indices;
}
