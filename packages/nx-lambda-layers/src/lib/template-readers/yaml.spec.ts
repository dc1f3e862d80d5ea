import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseTemplate, positionOf } from '../template';
import { describeRoot, describeYamlLibraryRoot } from './same-nodes';
import { readYamlNodes } from './yaml';

const WORKSPACE = join(__dirname, '../../../../..');

function expectSameAsYamlLibrary(text: string): void {
  const nodes = readYamlNodes(text);
  expect(nodes).toBeDefined();
  expect(describeRoot(nodes)).toEqual(describeYamlLibraryRoot(text));
}

describe('readYamlNodes', () => {
  it.each([
    ['flat mapping', 'a: b\nc: d\n'],
    ['no final line break', 'a: b\nc: d'],
    ['comments', '# head\na: b  # tail\n\n  # indented\nc: d # x\n# end\n'],
    ['document start', '---\na: b\n'],
    ['document start after a comment', '# c\n--- # start\na: b\n'],
    ['nested mappings', 'a:\n  b:\n    c: 1\n  d: 2\ne: 3\n'],
    ['sequence under a key', 'a:\n  - x\n  - y\nb: 1\n'],
    ['sequence at the key indentation', 'a:\n- x\n- y\nb: 1\n'],
    ['compact mapping in items', 'a:\n  - b: 1\n    c: 2\n  - d: 3\n'],
    ['wide compact mapping', 'a:\n  -   b: 1\n      c: 2\n'],
    ['item with a nested block', 'a:\n  -\n    b: 1\n  - c\n'],
    ['sequence in a compact mapping', 'a:\n  - b:\n    - x\n    c: 1\n'],
    ['nested sequence value', 'a:\n  - b:\n      - x\n      - y\n'],
    ['quoted values', `a: 'it''s'\nb: "x y"\nc: ''\nd: ""\n`],
    ['double-quoted escapes', 'a: "\\"q\\" \\\\ \\/ \\n \\u00e9"\n'],
    ['quoted keys', `"a b": 1\n'c': 2\n"d" : 3\n`],
    ['keys with colons', 'Fn::Sub: x\nAWS::Region: y\n'],
    ['value with a colon', 'a: arn:aws:lambda:x:1\nb: http://x/y\n'],
    ['hash inside a value', 'a: b#c\nb: "#x" # y\n'],
    [
      'numbers and booleans',
      'a: 1\nb: -2\nc: 1.50\nd: 1e3\ne: 0x1F\nf: 0o17\n',
    ],
    ['special floats', 'a: .inf\nb: -.Inf\nc: .nan\n'],
    ['null and booleans', 'a: ~\nb: null\nc: true\nd: False\n'],
    ['number keys', '200: ok\n1.5: x\ntrue: y\n'],
    ['dates stay strings', 'AWSTemplateFormatVersion: 2010-09-09\n'],
    ['short-form tags', 'a: !Ref X\nb: !Sub "${A}"\nc: !GetAtt A.Arn\n'],
    ['tagged number stays a string', 'a: !Ref 123\n'],
    ['tagged block sequence', 'a: !Join\n  - ""\n  - - x\n    - !Ref y\n'],
    ['nested compact sequences', 'a:\n  - - b\n    - - c\n  - d\n'],
    ['tagged block mapping', 'a: !Sub\n  b: 1\n'],
    ['tagged items', 'a:\n  - !Ref X\n  - !Sub\n    - x\n    - {}\n'],
    ['tag with a comment', 'a: !Join # c\n  - ""\n  - [a, b]\n'],
    ['flow sequence', 'a: [x, "y", \'z\', 1, true]\n'],
    ['flow mapping', 'a: {b: 1, "c": x, d: [1, 2]}\n'],
    ['empty flow collections', 'a: []\nb: {}\n'],
    ['tags in flow', 'a: [!Ref X, !GetAtt A.Arn, !Sub "x"]\n'],
    ['nested flow', 'a: !Join ["", [x, !Ref y, {z: 1}]]\n'],
    ['flow with odd spacing', 'a: [ x ,y ]  # c\n'],
    ['dash and colon in plain scalars', 'a: -1\nb: -x\nc: x:y\nd: [-1, a:b]\n'],
    ['CRLF line breaks', 'a: b\r\nc:\r\n  - d\r\n\r\n  # x\r\ne: "f"\r\n'],
    ['leading space of a byte order mark', ' \na: b\n'],
    ['unicode text', 'a: héllo wörld\nb: "日本"\n'],
    ['trailing spaces', 'a: b   \nc: "d"   \n'],
    ['literal block scalar', 'a: |\n  x\n    y\n  z  \nb: 1\n'],
    ['strip chomping', 'a: |-\n  x\n\n\nb: >-\n  y\n'],
    ['keep chomping', 'a: |+\n  x\n\n  \nb: >+\n  y\n\n'],
    ['blank lines in a block scalar', 'a: |\n\n  x\n\n  \n  y\n\n\nb: 1\n'],
    ['folded scalar', 'a: >\n  x\n  y\n\n  z\n   more\n\n  w\n  v\n'],
    ['folded scalar with leading blank lines', 'a: >-\n\n  x\n  y\n'],
    ['block scalar without a final line break', 'a: x\nb: |\n  y'],
    ['folded scalar without a final line break', 'a: >-\n  x\n  y'],
    ['block scalar header comment', 'a: | # c\n  x\n  # text\n# c\nb: 1\n'],
    ['tagged block scalars', 'a: !Sub |\n  ${A}\nb: !Base64 >-\n  x\n'],
    [
      'block scalar items',
      'a:\n  - |\n    x\n  - b: >-\n      y\n    c: 1\nd:\n- |\n z\n',
    ],
    ['block scalar at the end', 'a:\n  b:\n    c: |-\n      x\n\n\n'],
    [
      'CRLF block scalars',
      'a: |\r\n  x\r\n\r\n  y\r\n\r\nb: >-\r\n  c\r\n  d\r\n',
    ],
    ['comment after a nested block', 'a:\n  b:\n    - x\n  # c\n  d: 1\n'],
    ['comment at an ended block', 'a:\n  b:\n    - x\n    # c\n  d: 1\n'],
    ['comment after a block scalar', 'a:\n  b: |\n    x\n  # c\n  d: 1\n# e\n'],
  ])('reads %s as the yaml library does', (_name, text) => {
    expectSameAsYamlLibrary(text);
  });

  it.each([
    ['anchor', 'a: &x 1\nb: *x\n'],
    ['indentation indicator', 'a: |2\n   text\n'],
    ['text after a block scalar header', 'a: | text\n'],
    ['tab in a block scalar', 'a: |\n  x\ty\n'],
    ['empty block scalar', 'a: >\nb: 1\n'],
    ['more-indented leading blank line', 'a: |\n     \n  text\n'],
    ['more-indented blank line', 'a: |\n  x\n     \n  y\n'],
    ['keep chomping with spaces at the end', 'a: |+\n  x\n  '],
    [
      'comment indented into an ended block',
      'a:\n  b:\n    - x\n    # c\nd: 1\n',
    ],
    ['comment indented at the end', 'a:\n  b: x\n   # c\n'],
    ['multi-line plain scalar', 'a: b\n  c\n'],
    ['multi-line quoted scalar', 'a: "b\n  c"\n'],
    ['multi-line flow', 'a: [b,\n  c]\n'],
    ['empty value', 'a:\nb: 1\n'],
    ['empty item', 'a:\n  -\n  - b\n'],
    ['empty value in a compact mapping', 'a:\n  - b:\n    c: 1\n'],
    ['scalar below its key', 'a:\n  b:c\n'],
    ['tag on its own line', 'a:\n  !If\n    - b\n'],
    ['pair in a flow sequence', 'a: [b, "c": d]\n'],
    ['explicit key', '? a\n: b\n'],
    ['unknown tag', 'a: !Custom b\n'],
    ['standard tag', 'a: !!str 1\n'],
    ['directive', '%YAML 1.2\n---\na: b\n'],
    ['two documents', 'a: b\n---\nc: d\n'],
    ['document end', 'a: b\n...\n'],
    ['tab', 'a:\tb\n'],
    ['duplicate key', 'a: 1\na: 2\n'],
    ['duplicate flow key', 'a: {b: 1, b: 2}\n'],
    ['root sequence', '- a\n- b\n'],
    ['root scalar', 'text\n'],
    ['flow root', '{a: 1}\n'],
    ['empty text', ''],
    ['comment only', '# nothing\n'],
    ['nested mapping on one line', 'a: b: c\n'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['trailing comma', 'a: [b, ]\n'],
    ['merge key', 'a:\n  <<: {b: 1}\n'],
    ['yaml escape', 'a: "\\x41"\n'],
    ['unterminated quote', "a: 'b\n"],
    ['text after a quote', 'a: "b" c\n'],
    ['comment without a space', 'a: "b"#c\n'],
    ['lone carriage return', 'a: b\rc: d\n'],
  ])('leaves %s to the yaml library', (_name, text) => {
    expect(readYamlNodes(text)).toBeUndefined();
  });

  it.each([
    'apps/orders-api/template.yaml',
    'apps/reports-worker/template.yaml',
    'apps/legacy-sosw-worker/template.yaml',
    'apps/audit-log/template.yaml',
    'apps/sosw-layer/layer-stack.yaml',
    'apps/sosw-layer/layer-stack.sam.yaml',
  ])('reads %s as the yaml library does, or leaves it', (path) => {
    const text = readFileSync(join(WORKSPACE, path), 'utf8');
    const nodes = readYamlNodes(text);
    if (nodes !== undefined) {
      expect(describeRoot(nodes)).toEqual(describeYamlLibraryRoot(text));
    }
  });

  it('reads generated documents as the yaml library does', () => {
    const random = seededRandom(7);
    let read = 0;
    for (let index = 0; index < 300; index++) {
      const text = stringify(randomMapping(random, 3), {
        lineWidth: 0,
        indentSeq: random() < 0.5,
        indent: random() < 0.5 ? 2 : 4,
      });
      const nodes = readYamlNodes(text);
      if (nodes === undefined) continue;
      read++;
      expect(describeRoot(nodes)).toEqual(describeYamlLibraryRoot(text));
    }
    // Most generated documents are within what the reader covers.
    expect(read).toBeGreaterThan(200);
  });

  it('reads generated documents with comments as the yaml library does', () => {
    const random = seededRandom(11);
    let read = 0;
    for (let index = 0; index < 300; index++) {
      const base = stringify(randomMapping(random, 3), {
        lineWidth: 0,
        indentSeq: random() < 0.5,
        indent: random() < 0.5 ? 2 : 4,
      });
      // Comment lines at any indentation after any line, some after a blank line.
      const lines: string[] = [];
      for (const line of base.split('\n')) {
        lines.push(line);
        if (random() < 0.25) {
          if (random() < 0.3) lines.push('');
          lines.push(`${' '.repeat(Math.floor(random() * 9))}# comment`);
        }
      }
      const text = lines.join(random() < 0.2 ? '\r\n' : '\n');
      const nodes = readYamlNodes(text);
      if (nodes === undefined) continue;
      read++;
      expect(describeRoot(nodes)).toEqual(describeYamlLibraryRoot(text));
    }
    expect(read).toBeGreaterThan(100);
  });
});

describe('parseTemplate with readOnly', () => {
  const text = [
    '# head',
    "AWSTemplateFormatVersion: '2010-09-09'",
    'Resources:',
    '  Fn:',
    '    Type: AWS::Lambda::Function',
    '    Properties:',
    '      Layers:',
    '        - !Sub "arn:aws:lambda:${AWS::Region}:1:layer:sosw:3"',
    '',
  ].join('\r\n');

  it('gives the value and positions of the full parse', () => {
    const quick = parseTemplate(text, 'template.yaml', { readOnly: true });
    const full = parseTemplate(text, 'template.yaml');
    expect(quick.value).toEqual(full.value);
    for (let offset = 0; offset <= text.length; offset += 7) {
      expect(positionOf(quick, offset)).toEqual(positionOf(full, offset));
    }
  });

  it('reports a syntax error through the yaml library', () => {
    expect(() =>
      parseTemplate('a: [b\n', 'bad.yaml', { readOnly: true }),
    ).toThrow(/^bad\.yaml:\d+:\d+: /);
  });
});

/** Mulberry32: a small seeded generator, so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value ^= value + Math.imul(value ^ (value >>> 7), 61 | value);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'Resources',
  'Fn::Sub',
  'arn:aws:lambda:us-east-1:123456789012:layer:sosw:7',
  '${AWS::Region}',
  'a b',
  "it's",
  'say "hi"',
  '- dash',
  'x: y',
  '#hash',
  'true',
  '12',
  '1.50',
  'null',
  'héllo',
  '',
  ' padded ',
  'first line\nsecond line\n',
  'a\n\n  b',
];

function randomScalar(random: () => number): unknown {
  const pick = random();
  if (pick < 0.6) return WORDS[Math.floor(random() * WORDS.length)];
  if (pick < 0.75) return Math.floor(random() * 1000) - 100;
  if (pick < 0.85) return random() < 0.5;
  if (pick < 0.9) return null;
  return Math.round(random() * 1000) / 100;
}

function randomValue(random: () => number, depth: number): unknown {
  const pick = random();
  if (depth <= 0 || pick < 0.5) return randomScalar(random);
  if (pick < 0.75) return randomMapping(random, depth - 1);
  const length = Math.floor(random() * 4);
  return Array.from({ length }, () => randomValue(random, depth - 1));
}

function randomMapping(
  random: () => number,
  depth: number,
): Record<string, unknown> {
  const mapping: Record<string, unknown> = {};
  const size = 1 + Math.floor(random() * 4);
  for (let index = 0; index < size; index++) {
    const key = random() < 0.8 ? `Key${index}` : String(WORDS[index]);
    mapping[key] = randomValue(random, depth);
  }
  return mapping;
}
