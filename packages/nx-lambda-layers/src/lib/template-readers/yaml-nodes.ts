import { Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/*
 * Builders of `yaml` nodes for the readers. The library's constructors
 * give every node its type with `Object.defineProperty`, and without them
 * the block reader took 7 µs instead of 18 µs per 15-line template (yaml
 * 2.9). These nodes inherit the same non-enumerable type property from a
 * prototype placed under the library's class, so `isScalar()` and the
 * other type checks, `instanceof` and the node methods work as on the
 * library's nodes. The own properties are those the constructors set.
 *
 * NOTE: this relies on yaml's internals: the type symbol and the own
 * properties of its constructors. yaml-nodes.spec.ts compares both with
 * the constructors, so a yaml upgrade that changes them fails there.
 */

/** The symbol under which `yaml` stores a node's type (`yaml/dist/nodes/identity`). */
const NODE_TYPE = Symbol.for('yaml.node.type');

function prototypeBelow(base: object, type: string): object {
  return Object.create(base, {
    [NODE_TYPE]: { value: Symbol.for(type) },
  });
}

const SCALAR_PROTOTYPE = prototypeBelow(Scalar.prototype, 'yaml.scalar');
const PAIR_PROTOTYPE = prototypeBelow(Pair.prototype, 'yaml.pair');
const MAP_PROTOTYPE = prototypeBelow(YAMLMap.prototype, 'yaml.map');
const SEQ_PROTOTYPE = prototypeBelow(YAMLSeq.prototype, 'yaml.seq');

export function scalarNode<T>(value: T): Scalar<T> {
  const node = Object.create(SCALAR_PROTOTYPE) as Scalar<T>;
  node.value = value;
  return node;
}

export function pairNode<K, V>(key: K, value: V): Pair<K, V> {
  const node = Object.create(PAIR_PROTOTYPE) as Pair<K, V>;
  node.key = key;
  node.value = value;
  return node;
}

export function mapNode<K = unknown, V = unknown>(): YAMLMap<K, V> {
  const node = Object.create(MAP_PROTOTYPE) as YAMLMap<K, V>;
  node.items = [];
  return node;
}

export function seqNode<T = unknown>(): YAMLSeq<T> {
  const node = Object.create(SEQ_PROTOTYPE) as YAMLSeq<T>;
  node.items = [];
  return node;
}
