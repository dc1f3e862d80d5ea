import { isScalar, parseDocument, type Scalar } from 'yaml';
import { scalarRangeToSource } from './scalar-range';

/** Parses `text` and returns the value scalar of `key` at the top level. */
function scalarOf(text: string, key = 'A'): Scalar {
  const node = parseDocument(text).get(key, true);
  if (!isScalar(node)) {
    throw new Error(`no scalar under ${key}`);
  }
  return node;
}

/** Returns the source text that the range of `needle` in the value maps to. */
function mapped(text: string, needle: string, occurrence = 0): string | null {
  const node = scalarOf(text);
  const value = String(node.value);
  let start = value.indexOf(needle);
  for (let i = 0; i < occurrence; i++) {
    start = value.indexOf(needle, start + 1);
  }
  const range = scalarRangeToSource(text, node, start, start + needle.length);
  return range ? `${range[0]}:${text.slice(range[0], range[1])}` : null;
}

describe('scalarRangeToSource', () => {
  it.each([
    ['plain', 'A: x layer:sosw:7 y\n'],
    ['single-quoted', "A: 'it''s layer:sosw:7'\n"],
    ['double-quoted', 'A: "\\"q\\" layer:sosw:7"\n'],
    ['double-quoted without escapes', 'A: "x layer:sosw:7 y"\n'],
    ['JSON string without escapes', '{"A": "arn layer:sosw:7"}\n'],
    ['JSON escapes', '{"A": "a\\/b\\u0020layer:sosw:7"}\n'],
    ['literal block', 'A: |\n  one\n  layer:sosw:7\n'],
    ['folded block', 'A: >\n  one\n  layer:sosw:7\n'],
  ])('maps a token in a %s scalar', (_style, text) => {
    const offset = text.indexOf('layer:sosw:7') + 'layer:sosw:'.length;

    expect(mapped(text, '7')).toBe(`${offset}:7`);
  });

  it('maps the second of two equal tokens', () => {
    const text = 'A: "layer:sosw:7,layer:sosw:7"\n';

    expect(mapped(text, 'layer:sosw:7', 1)).toBe('17:layer:sosw:7');
  });

  it('maps across folded double-quoted lines', () => {
    const text = 'A: "first   \n\n    layer:sosw:7 \\\n    layer:sosw:8"\n';
    const node = scalarOf(text);

    expect(node.value).toBe('first\nlayer:sosw:7 layer:sosw:8');
    expect(mapped(text, '8')).toBe(`${text.indexOf('8')}:8`);
    expect(mapped(text, '7')).toBe(`${text.indexOf('7')}:7`);
  });

  it('rejects a token written as an escape', () => {
    expect(mapped('A: "layer:sosw:\\x37"\n', '7')).toBeNull();
    expect(mapped('A: "layer:sosw:\\u0037"\n', '7')).toBeNull();
  });

  it('rejects a range across a fold', () => {
    expect(mapped('A: "one\n  two"\n', 'one two')).toBeNull();
  });

  it('ignores a comment on a block header', () => {
    const text = 'A: |  # layer:sosw:7\n  layer:sosw:7\n';

    expect(mapped(text, '7')).toBe(`${text.lastIndexOf('7')}:7`);
  });
});
