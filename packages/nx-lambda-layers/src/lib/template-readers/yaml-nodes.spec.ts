import {
  Document,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  Pair,
  Scalar,
  YAMLMap,
  YAMLSeq,
} from 'yaml';
import { mapNode, pairNode, scalarNode, seqNode } from './yaml-nodes';

describe('yaml-nodes: type checks', () => {
  it('builds a scalar', () => {
    const node = scalarNode('a');

    expect(isScalar(node)).toBe(true);
    expect(isNode(node)).toBe(true);
    expect(isMap(node)).toBe(false);
    expect(node).toBeInstanceOf(Scalar);
  });

  it('builds a pair', () => {
    const node = pairNode(scalarNode('a'), scalarNode(1));

    expect(isPair(node)).toBe(true);
    expect(isNode(node)).toBe(false);
    expect(node).toBeInstanceOf(Pair);
  });

  it('builds a mapping', () => {
    const node = mapNode();

    expect(isMap(node)).toBe(true);
    expect(isCollection(node)).toBe(true);
    expect(node).toBeInstanceOf(YAMLMap);
  });

  it('builds a sequence', () => {
    const node = seqNode();

    expect(isSeq(node)).toBe(true);
    expect(isCollection(node)).toBe(true);
    expect(node).toBeInstanceOf(YAMLSeq);
  });
});

describe('yaml-nodes: same as the constructors', () => {
  it.each([
    ['scalar', scalarNode('a'), new Scalar('a')],
    ['pair', pairNode('k', 'v'), new Pair('k', 'v')],
    ['mapping', mapNode(), new YAMLMap()],
    ['sequence', seqNode(), new YAMLSeq()],
  ])('has the own keys of a %s', (_kind, built, constructed) => {
    expect(Object.keys(built)).toEqual(Object.keys(constructed));
    expect(Object.values(built)).toEqual(Object.values(constructed));
  });

  it('keeps the node type out of enumeration', () => {
    const node = scalarNode('a');

    expect(Object.getOwnPropertySymbols(node)).toEqual([]);
    expect({ ...node }).toEqual({ value: 'a' });
  });
});

describe('yaml-nodes: library methods', () => {
  it('serializes a built document', () => {
    const map = mapNode();
    const layers = seqNode();
    layers.items.push(scalarNode('arn:aws:lambda:eu-west-1:1:layer:sosw:3'));
    map.items.push(pairNode(scalarNode('Layers'), layers));
    const document = new Document();
    document.contents = map;

    expect(document.toString()).toBe(
      'Layers:\n  - arn:aws:lambda:eu-west-1:1:layer:sosw:3\n',
    );
  });

  it('converts a built node to JavaScript', () => {
    const map = mapNode();
    map.items.push(pairNode(scalarNode('a'), scalarNode(1)));

    expect(map.toJSON()).toEqual({ a: 1 });
  });

  it('clones a built node', () => {
    const node = scalarNode('a');
    node.range = [0, 1, 1];

    const copy = node.clone();

    expect(isScalar(copy)).toBe(true);
    expect((copy as Scalar).value).toBe('a');
    expect(copy.range).not.toBe(node.range);
  });
});
