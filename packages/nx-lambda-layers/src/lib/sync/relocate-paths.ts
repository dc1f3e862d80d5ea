import { posix } from 'node:path';
import { isMap, isScalar, type Scalar } from 'yaml';
import { mapValue } from '../cfn-nodes';
import { artifactPropertyOf, REMOTE_LOCATION } from '../deploy/local-paths';
import { scalarRangeToSource } from '../scalar-range';
import { parseTemplate, type ParsedTemplate } from '../template';
import { applyEdits, type TextEdit } from './render';

/**
 * Rewrites the relative local paths of a template copy written to
 * `outputPath` (such as `CodeUri: src/`) so that they still name the files
 * next to the source at `sourcePath`. Both paths are workspace-relative
 * with `/` separators. Only the path values change. Deploying or packaging
 * the copy, with `deploy --template` or `sam deploy`, then uploads the
 * source's code.
 */
export function relocateLocalPaths(
  text: string,
  sourcePath: string,
  outputPath: string,
): string {
  const template = parseTemplate(text, outputPath, { readOnly: true });
  const edits: TextEdit[] = [];
  for (const node of localPathNodes(template)) {
    const path = node.value as string;
    const target = posix.join(posix.dirname(sourcePath), path);
    let relocated = posix.relative(posix.dirname(outputPath), target);
    if (/\/$/.test(path) && !relocated.endsWith('/')) relocated += '/';
    edits.push(pathEdit(template, node, relocated));
  }
  return applyEdits(text, edits);
}

/** Path scalars of the resource properties that deploy packages. */
function localPathNodes(template: ParsedTemplate): Scalar[] {
  const resources = mapValue(template.document.contents, 'Resources');
  if (!isMap(resources)) return [];
  const nodes: Scalar[] = [];
  for (const pair of resources.items) {
    const type = mapValue(pair.value, 'Type');
    const property = artifactPropertyOf(isScalar(type) ? type.value : '');
    const properties = mapValue(pair.value, 'Properties');
    const node = property ? mapValue(properties, property) : undefined;
    if (
      isScalar(node) &&
      !node.tag &&
      typeof node.value === 'string' &&
      node.value !== '' &&
      !REMOTE_LOCATION.test(node.value) &&
      !posix.isAbsolute(node.value)
    ) {
      nodes.push(node);
    }
  }
  return nodes;
}

/**
 * Replaces the path's characters where they are written as they are, and
 * otherwise the whole scalar by a double-quoted string, which YAML and JSON
 * both read.
 */
function pathEdit(
  template: ParsedTemplate,
  node: Scalar,
  relocated: string,
): TextEdit {
  const path = node.value as string;
  const range = scalarRangeToSource(template.text, node, 0, path.length);
  const safe =
    node.type === 'PLAIN'
      ? /^[\w./-]+$/.test(relocated)
      : !/['"\\]/.test(relocated);
  if (range && safe) {
    return { start: range[0], end: range[1], replacement: relocated };
  }
  const [start, end] = node.range as [number, number, number];
  return { start, end, replacement: JSON.stringify(relocated) };
}
