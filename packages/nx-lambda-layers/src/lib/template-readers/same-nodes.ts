import { isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { CFN_YAML_TAGS } from '../template';

/**
 * Test support: describes a node tree as plain data so that a reader's
 * output can be compared with the `yaml` library's with `toEqual`. The
 * description keeps what the rest of the plugin reads from a node: its
 * kind, tag, flow style, scalar value and type, and the first two offsets
 * of its range (start and end of the value).
 */
export function describeNode(node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isMap(node)) {
    return {
      kind: 'map',
      tag: node.tag,
      flow: Boolean(node.flow),
      range: node.range?.slice(0, 2),
      items: node.items.map((pair) => {
        if (!isPair(pair)) throw new Error('map item is not a pair');
        return [describeNode(pair.key), describeNode(pair.value)];
      }),
    };
  }
  if (isSeq(node)) {
    return {
      kind: 'seq',
      tag: node.tag,
      flow: Boolean(node.flow),
      range: node.range?.slice(0, 2),
      items: node.items.map((item) => describeNode(item)),
    };
  }
  if (isScalar(node)) {
    return {
      kind: 'scalar',
      tag: node.tag,
      type: node.type,
      value: node.value,
      range: node.range?.slice(0, 2),
    };
  }
  return { kind: 'other', value: String(node) };
}

/**
 * Describes a root node like `describeNode`, without the root's end
 * offset, which the `yaml` library extends over some trailing comments.
 */
export function describeRoot(node: unknown): unknown {
  const description = describeNode(node) as { range?: number[] } | null;
  if (description?.range) description.range = description.range.slice(0, 1);
  return description;
}

/**
 * Parses `text` the way `parseTemplate` does when a reader declines it.
 * Returns the document's contents, or undefined when the `yaml` library
 * reports an error.
 */
function parseWithYamlLibrary(text: string): unknown {
  const document = parseDocument(text, {
    customTags: (tags) => tags.concat(CFN_YAML_TAGS),
    keepSourceTokens: false,
    uniqueKeys: true,
    prettyErrors: false,
  });
  return document.errors.length > 0 ? undefined : document.contents;
}

/** Describes the `yaml` library's nodes of `text` with `describeNode`. */
export function describeYamlLibraryNodes(text: string): unknown {
  const contents = parseWithYamlLibrary(text);
  return contents === undefined ? undefined : describeNode(contents);
}

/** Describes the `yaml` library's nodes of `text` with `describeRoot`. */
export function describeYamlLibraryRoot(text: string): unknown {
  const contents = parseWithYamlLibrary(text);
  return contents === undefined ? undefined : describeRoot(contents);
}
