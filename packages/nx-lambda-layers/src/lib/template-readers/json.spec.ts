import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument, type Scalar, type YAMLSeq } from 'yaml';
import { readJsonNodes } from './json';
import { describeNode, describeYamlLibraryNodes } from './same-nodes';

const WORKSPACE_ROOT = join(__dirname, '../../../../..');

const SUB_ARN =
  'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:sosw:SOSW_LAYER_PLACEHOLDER';

/** Returns a template shaped like the JSON templates of the sync-versions benchmark. */
function benchTemplate(index: number, usesLayer: boolean): string {
  const layer = usesLayer
    ? { 'Fn::Sub': SUB_ARN }
    : 'arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68';
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      [`Function${index}`]: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Runtime: 'python3.12',
          Handler: 'app.handler',
          Layers: [layer],
        },
      },
    },
  };
  return `${JSON.stringify(template, null, 2)}\n`;
}

/** Returns a SAM template with parameters, conditions, intrinsic functions and outputs. */
function samTemplate(indent: number): string {
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Transform: 'AWS::Serverless-2016-10-31',
    Description: 'Orders API: "quoted" text, a \\ backslash and ünïcödé',
    Parameters: {
      Stage: { Type: 'String', Default: 'dev', AllowedValues: ['dev', 'prod'] },
      MemorySize: { Type: 'Number', Default: 512, MinValue: 128 },
    },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
    Resources: {
      Orders: {
        Type: 'AWS::Serverless::Function',
        Properties: {
          Handler: 'app.handler',
          MemorySize: { Ref: 'MemorySize' },
          Timeout: 2.5,
          ReservedConcurrentExecutions: null,
          Tracing: true,
          Layers: [
            { 'Fn::Sub': SUB_ARN },
            {
              'Fn::If': [
                'IsProd',
                { 'Fn::ImportValue': 'shared-layer-arn' },
                { Ref: 'AWS::NoValue' },
              ],
            },
          ],
          Environment: { Variables: {} },
          Events: [],
        },
      },
    },
    Outputs: {
      OrdersArn: { Value: { 'Fn::GetAtt': ['Orders', 'Arn'] } },
    },
  };
  return JSON.stringify(template, null, indent);
}

/** Returns the files under `folder` whose name ends in `.json`, skipping node_modules. */
function jsonFilesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter(
      (entry) =>
        entry.isFile() &&
        entry.name.endsWith('.json') &&
        !join(entry.parentPath, entry.name).includes('node_modules'),
    )
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Returns mulberry32, a small seeded generator of numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters that stress escaping, YAML indicators and UTF-16 handling. */
const STRING_CHARACTERS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\r',
  '\t',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  'é',
  '€',
  '😀',
  '\ud800',
  '\udc00',
  ':',
  '#',
  '-',
  '{',
  '}',
  '[',
  ']',
  ',',
  '!',
  '&',
  '*',
  '%',
  '@',
  '`',
  "'",
  '|',
  '>',
  '?',
];

function randomString(random: () => number): string {
  const length = Math.floor(random() * 8);
  let text = '';
  for (let index = 0; index < length; index++) {
    text += STRING_CHARACTERS[Math.floor(random() * STRING_CHARACTERS.length)];
  }
  return text;
}

function randomNumber(random: () => number): number {
  switch (Math.floor(random() * 6)) {
    case 0:
      return Math.floor(random() * 2000) - 1000;
    case 1:
      return (random() - 0.5) * 1e6;
    case 2:
      return random() * 1e-9;
    case 3:
      return random() * 1e25;
    case 4:
      return Number.MAX_SAFE_INTEGER + Math.floor(random() * 1000);
    default:
      return Math.floor(random() * 10) / 4;
  }
}

/** Builds a random JSON value, nested up to `depth` levels. */
function randomValue(random: () => number, depth: number): unknown {
  const choice = Math.floor(random() * (depth > 0 ? 8 : 6));
  switch (choice) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
    case 3:
      return randomNumber(random);
    case 4:
    case 5:
      return randomString(random);
    case 6: {
      const length = Math.floor(random() * 5);
      return Array.from({ length }, () => randomValue(random, depth - 1));
    }
    default: {
      const object: Record<string, unknown> = {};
      const size = Math.floor(random() * 12);
      for (let index = 0; index < size; index++) {
        object[randomString(random)] = randomValue(random, depth - 1);
      }
      return object;
    }
  }
}

const WHITESPACE = ['', ' ', '  ', '\t', '\n', '\r\n', '\n\t  ', ' \r\n\n '];

/**
 * Serializes `value` as JSON with random whitespace around every token.
 * The whitespace before the root has no tab, which the library rejects in
 * front of a root scalar.
 */
function stringifyWithWhitespace(value: unknown, random: () => number): string {
  const space = () => WHITESPACE[Math.floor(random() * WHITESPACE.length)];
  const write = (item: unknown): string => {
    if (Array.isArray(item)) {
      const inner = item.map((element) => space() + write(element) + space());
      return `[${inner.join(',') || space()}]`;
    }
    if (item !== null && typeof item === 'object') {
      const inner = Object.entries(item).map(
        ([key, element]) =>
          space() +
          JSON.stringify(key) +
          space() +
          ':' +
          space() +
          write(element) +
          space(),
      );
      return `{${inner.join(',') || space()}}`;
    }
    return JSON.stringify(item);
  };
  const leading = space().replace(/\t/g, ' ');
  return leading + write(value) + space();
}

describe('readJsonNodes', () => {
  it.each([
    ['empty object', '{}'],
    ['empty array', '[]'],
    ['empty containers with whitespace', '{ "a": { }, "b": [\n\n] }'],
    ['nested objects', '{"a": {"b": {"c": {}}}, "d": {"e": 1}}'],
    ['nested arrays', '[[1, [2, [3, []]]], [[]]]'],
    ['objects in arrays', '[{"a": [{"b": null}]}, {}]'],
    ['root string', '"text"'],
    ['root number', '42'],
    ['root true', 'true'],
    ['root false', 'false'],
    ['root null', 'null'],
    ['root scalar with whitespace', '\n  "text" \n'],
    ['zero', '[0]'],
    ['negative zero', '[-0]'],
    ['negative integer', '[-17]'],
    ['exponent', '[1e3]'],
    ['upper-case negative exponent', '[1E-2]'],
    ['explicit positive exponent', '[1.5e+3, -2E+0]'],
    ['fraction', '[0.5, -0.25]'],
    ['fraction with trailing zeros', '[2.50, 1.0, 0.500]'],
    ['exponent with fraction and trailing zero', '[2.50e3]'],
    ['large integer', '[12345678901234567890]'],
    ['integer beyond 2^53', '[9007199254740993]'],
    ['exponent out of range', '[1e400, -1e400, 1e-400]'],
    ['many digits', '[3.141592653589793238462643383279]'],
    ['escaped newline', '["a\\nb"]'],
    ['unicode escape', '["caf\\u00e9"]'],
    ['escaped quote', '["say \\"hi\\""]'],
    ['escaped backslash', '["C:\\\\temp"]'],
    ['escaped slash', '["a\\/b"]'],
    ['all short escapes', '["\\b\\f\\n\\r\\t\\"\\\\\\/"]'],
    ['surrogate pair escape', '["\\ud83d\\ude00"]'],
    ['lone surrogate escape', '["\\ud800", "\\uDC00x"]'],
    ['escaped NUL', '["\\u0000"]'],
    ['escape in a key', '{"k\\u0065y": 1}'],
    ['unicode text', '{"ключ": "值 😀 é"}'],
    ['raw DEL, NEL and BOM in a string', '["\u007f\u0085\ufeff"]'],
    ['YAML indicators in strings', '{"- a": "#b", "c: d": "&e *f !g |h >i"}'],
    ['document markers in strings', '[\n"---",\n"..."\n]'],
    ['empty key and value', '{"": ""}'],
    ['merge key text', '{"<<": {"a": 1}}'],
    ['CRLF line endings', '{\r\n  "a": [\r\n    1\r\n  ]\r\n}\r\n'],
    ['tab indentation', '{\n\t"a": [\n\t\t1,\n\t\ttrue\n\t]\n}\n'],
    ['tab before root object', '\t{"a": 1}'],
    ['tabs around tokens', '[\t1\t,\t"x"\t]'],
    ['leading space', ' {\n  "a": 1\n}\n'],
    ['leading space and lines at column 0', ' {\n"a": {\n"b": 1\n}\n}\n'],
    [
      'whitespace around colons and commas',
      '{ "a" : 1 , "b"\n:\n2\n,\n"c":3 }',
    ],
    ['no whitespace', '{"a":[1,2,{"b":"c"}],"d":true}'],
    ['key longer than 1024 characters', `{"${'k'.repeat(1100)}": 1}`],
    ['trailing blank lines', '{}\n\n\n'],
    ['trailing tab after root scalar', '1\t\n\t'],
    ['nesting depth 100', `${'['.repeat(100)}${']'.repeat(100)}`],
    ['bench template with layer', benchTemplate(0, true)],
    ['bench template without layer', benchTemplate(1, false)],
    ['SAM template at indent 0', samTemplate(0)],
    ['SAM template at indent 2', samTemplate(2)],
    ['SAM template at indent 4', samTemplate(4)],
  ])('reads %s as the yaml library does', (_name, text) => {
    const node = readJsonNodes(text);
    const expected = describeYamlLibraryNodes(text);

    expect(node).toBeDefined();
    expect(expected).toBeDefined();
    expect(describeNode(node)).toEqual(expected);
  });

  it('keeps negative zero', () => {
    const node = readJsonNodes('-0') as { value: unknown };

    expect(Object.is(node.value, -0)).toBe(true);
  });

  it('sets scalar format and source as the library does', () => {
    const text = '[2.50, 1e3, -0.0, true, null, "a\\u0062"]';
    const node = readJsonNodes(text) as YAMLSeq<Scalar>;
    const library = parseDocument(text).contents as YAMLSeq<Scalar>;
    const pick = ({ format, minFractionDigits, source }: Scalar) => ({
      format,
      minFractionDigits,
      source,
    });

    expect(node.items.map(pick)).toEqual(library.items.map(pick));
  });

  it('reads every strict JSON file under apps and e2e', () => {
    const files = [
      ...jsonFilesUnder(join(WORKSPACE_ROOT, 'apps')),
      ...jsonFilesUnder(join(WORKSPACE_ROOT, 'e2e')),
    ].filter((file) => {
      try {
        JSON.parse(readFileSync(file, 'utf8'));
        return true;
      } catch {
        return false;
      }
    });

    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const node = readJsonNodes(text);

      expect({
        file: relative(WORKSPACE_ROOT, file),
        node: describeNode(node),
      }).toEqual({
        file: relative(WORKSPACE_ROOT, file),
        node: describeYamlLibraryNodes(text),
      });
    }
  });

  it('reads generated bench templates', () => {
    for (let index = 0; index < 20; index++) {
      const text = benchTemplate(index, index % 2 === 0);

      expect(describeNode(readJsonNodes(text))).toEqual(
        describeYamlLibraryNodes(text),
      );
    }
  });

  it.each([
    ['empty text', ''],
    ['whitespace only', ' \n\t '],
    ['missing colon', '{"a" 1}'],
    ['missing comma in object', '{"a": 1 "b": 2}'],
    ['missing comma in array', '[1 2]'],
    ['missing value', '{"a": }'],
    ['unclosed object', '{"a": 1'],
    ['unclosed array', '[1, 2'],
    ['unclosed string', '["abc]'],
    ['mismatched brackets', '[1}'],
    ['unquoted key', '{a: 1}'],
    ['single-quoted string', "['a']"],
    ['duplicate key', '{"a": 1, "a": 2}'],
    ['duplicate key after an escape', '{"a": 1, "\\u0061": 2}'],
    [
      'duplicate key in a large object',
      '{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0,"j":0,"j":1}',
    ],
    [
      'duplicate of an early key in a large object',
      '{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0,"g":0,"h":0,"i":0,"j":0,"a":1}',
    ],
    ['line comment', '{"a": 1 // note\n}'],
    ['block comment', '{"a": /* note */ 1}'],
    ['hash comment', '{"a": 1 # note\n}'],
    ['trailing comma in object', '{"a": 1,}'],
    ['trailing comma in array', '[1, 2,]'],
    ['leading comma', '[, 1]'],
    ['text after root', '{} x'],
    ['second root value', '{}\n{}'],
    ['YAML document marker after root', '{}\n---\n'],
    ['leading zero', '[01]'],
    ['plus sign', '[+1]'],
    ['fraction without integer part', '[.5]'],
    ['fraction without digits', '[1.]'],
    ['exponent without digits', '[1e]'],
    ['exponent sign without digits', '[1e+]'],
    ['minus alone', '[-]'],
    ['hexadecimal number', '[0x1F]'],
    ['NaN', '[NaN]'],
    ['Infinity', '[Infinity]'],
    ['capitalized literal', '[True]'],
    ['truncated literal', '[nul]'],
    ['literal with trailing letters', '[nullx]'],
    ['raw tab in string', '["a\tb"]'],
    ['raw newline in string', '["a\nb"]'],
    ['raw NUL in string', '["a\u0000b"]'],
    ['invalid escape', '["\\x41"]'],
    ['short unicode escape', '["\\u12"]'],
    ['backslash at end of text', '["\\'],
    ['carriage return without line feed', '{"a":\r1}'],
    ['tab before root scalar', '\t1'],
    ['tab on the line of a root scalar', ' \t"x"'],
    ['byte order mark', '\ufeff{}'],
    ['form feed as whitespace', '[\f1]'],
    ['non-breaking space as whitespace', '[\u00a01]'],
    ['YAML block mapping', 'a: 1\n'],
    ['YAML flow mapping with plain scalars', '{a: b}'],
    ['YAML tag', '!Ref x'],
    ['nesting deeper than 100', `${'['.repeat(101)}${']'.repeat(101)}`],
  ])('returns undefined for %s', (_name, text) => {
    expect(readJsonNodes(text)).toBeUndefined();
  });

  describe('on random values', () => {
    const random = seededRandom(20260412);
    const values = Array.from({ length: 300 }, () => randomValue(random, 5));

    it.each([0, 2])('matches the library at indent %i', (indent) => {
      for (const value of values) {
        const text = JSON.stringify(value, null, indent);
        const node = readJsonNodes(text);

        expect({ text, node: describeNode(node) }).toEqual({
          text,
          node: describeYamlLibraryNodes(text),
        });
      }
    });

    it('matches the library with random whitespace', () => {
      const spacing = seededRandom(7);
      for (const value of values) {
        const text = stringifyWithWhitespace(value, spacing);
        const node = readJsonNodes(text);

        expect({ text, node: describeNode(node) }).toEqual({
          text,
          node: describeYamlLibraryNodes(text),
        });
      }
    });

    it('never differs from the library on edited texts', () => {
      const edits = seededRandom(11);
      const inserts = [...'{}[],:"\\ \t\n\r-+.0e#/'];
      let accepted = 0;
      for (const value of values) {
        const base = JSON.stringify(value, null, 2);
        for (let round = 0; round < 4; round++) {
          const at = Math.floor(edits() * (base.length + 1));
          const insert = inserts[Math.floor(edits() * inserts.length)];
          const cut = Math.floor(edits() * 3);
          const text = base.slice(0, at) + insert + base.slice(at + cut);
          const node = readJsonNodes(text);
          if (node === undefined) continue;
          accepted++;

          expect({ text, node: describeNode(node) }).toEqual({
            text,
            node: describeYamlLibraryNodes(text),
          });
        }
      }
      expect(accepted).toBeGreaterThan(0);
    });
  });
});
