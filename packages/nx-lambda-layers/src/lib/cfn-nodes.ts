import { isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import { SHORT_FORM_TAGS } from './template';

/** Long-form names of the intrinsic functions, such as `Fn::Sub`. */
const LONG_FORM_NAMES = new Set(Object.values(SHORT_FORM_TAGS));

/** An intrinsic function call on a YAML node of a template. */
export interface IntrinsicCall {
  /** Long-form name, such as `Fn::Sub` or `Ref`. */
  name: string;
  /**
   * The function's argument: the tagged node itself for the short form
   * (`!Sub text`), the map's value for the long form (`Fn::Sub: text`).
   */
  argument: Node;
  /** The node that carries the call. */
  node: Node;
}

/**
 * Returns the intrinsic function call of a node in short (`!Sub`) or long
 * form (`Fn::Sub:`); with `ignoreTag`, only the long form.
 */
export function intrinsicOf(
  node: Node | null | undefined,
  ignoreTag = false,
): IntrinsicCall | undefined {
  if (!node) {
    return undefined;
  }
  const tag = ignoreTag ? undefined : node.tag;
  const shortForm = tag ? SHORT_FORM_TAGS[tag] : undefined;
  if (shortForm) {
    return { name: shortForm, argument: node, node };
  }
  if (isMap(node) && node.items.length === 1) {
    const [pair] = node.items;
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (LONG_FORM_NAMES.has(key) && pair.value) {
      return { name: key, argument: pair.value as Node, node };
    }
  }
  return undefined;
}

/** Returns the template string of `Fn::Sub` in its string or list form. */
export function subTemplateOf(argument: Node): Scalar | undefined {
  const candidate = isSeq(argument) ? argument.items[0] : argument;
  return isScalar(candidate) && typeof candidate.value === 'string'
    ? candidate
    : undefined;
}

/** Returns the value of a string scalar that contains no `${...}` variable. */
export function staticString(node: Node | undefined): string | undefined {
  if (!isScalar(node) || typeof node.value !== 'string') {
    return undefined;
  }
  return node.value.includes('${') ? undefined : node.value;
}

/** Returns the value of `key` in a YAML map node, or undefined. */
export function mapValue(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) {
    return undefined;
  }
  const pair = node.items.find(
    (item) => isScalar(item.key) && item.key.value === key,
  );
  return (pair?.value ?? undefined) as Node | undefined;
}
