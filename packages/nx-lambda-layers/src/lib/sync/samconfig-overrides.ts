import { findLayerArnsInText } from '../layer-refs';
import type { LayerConfig } from '../layer-config';
import { applyEdits, type RenderedTemplate, type TextEdit } from './render';

const OVERRIDES_KEY = /^[ \t]*parameter_overrides[ \t]*=[ \t]*/gm;

/**
 * Replaces the version tokens of layer version ARNs in the
 * `parameter_overrides` values of samconfig.toml text, byte for byte like
 * `renderLayerVersions`. Other keys of the file are not searched.
 */
export function renderSamConfigVersions(
  text: string,
  layers: LayerConfig[],
  versions: Map<string, number>,
): RenderedTemplate {
  const edits: TextEdit[] = [];
  const result: RenderedTemplate = { text, changes: [], skipped: [] };

  for (const [from, to] of overridesSpans(text)) {
    const value = text.slice(from, to);
    for (const arn of findLayerArnsInText(value, layers)) {
      const version = versions.get(arn.layerName);
      if (version === undefined) continue;
      const start = from + arn.versionRange[0];
      const end = from + arn.versionRange[1];
      const position = lineAndColumn(text, start);
      if (arn.version === undefined) {
        result.skipped.push({
          layerName: arn.layerName,
          ...position,
          reason:
            'layer ARN not updated: its version is neither a number nor the ' +
            'layer placeholder',
        });
        continue;
      }
      const token = text.slice(start, end);
      if (token !== String(version)) {
        edits.push({ start, end, replacement: String(version) });
        result.changes.push({
          layerName: arn.layerName,
          ...position,
          from: token,
          to: String(version),
        });
      }
    }
  }
  result.text = applyEdits(text, edits);
  return result;
}

/**
 * Returns the offsets of each `parameter_overrides` value: a string on one
 * line, a multi-line string, or an array up to its closing bracket.
 */
function overridesSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const match of text.matchAll(OVERRIDES_KEY)) {
    const start = (match.index ?? 0) + match[0].length;
    spans.push([start, valueEnd(text, start)]);
  }
  return spans;
}

function valueEnd(text: string, start: number): number {
  const lineEnd = (from: number) => {
    const end = text.indexOf('\n', from);
    return end < 0 ? text.length : end;
  };
  for (const quotes of ['"""', "'''"]) {
    if (text.startsWith(quotes, start)) {
      const end = text.indexOf(quotes, start + 3);
      return end < 0 ? text.length : end + 3;
    }
  }
  // NOTE: an array is taken to end at its first `]`, so a `]` inside one
  // of its strings hides the rest of the array.
  if (text[start] === '[') {
    const end = text.indexOf(']', start);
    return end < 0 ? text.length : end + 1;
  }
  return lineEnd(start);
}

function lineAndColumn(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
