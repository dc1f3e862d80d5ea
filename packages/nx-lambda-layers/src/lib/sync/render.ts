import { findLayerReferences, type LayerReference } from '../layer-refs';
import type { LayerConfig } from '../layer-config';
import { positionOf, type ParsedTemplate } from '../template';

/** One version token that a rendering replaced. */
export interface VersionChange {
  layerName: string;
  /** 1-based line and column of the version token in the template text. */
  line: number;
  column: number;
  /** The token as written before: a number or the layer's placeholder. */
  from: string;
  /** The new version number, as written now. */
  to: string;
}

/**
 * A layer ARN whose version token could not be rewritten: the token is
 * written with YAML or JSON escapes, or it is neither a number nor the
 * layer's placeholder (for example `${LayerVersion}`).
 */
export interface SkippedReference {
  layerName: string;
  line: number;
  column: number;
  reason: string;
}

/** A template text with its version tokens replaced. */
export interface RenderedTemplate {
  text: string;
  /** Changed tokens in source order; empty when the text is unchanged. */
  changes: VersionChange[];
  skipped: SkippedReference[];
}

/** A byte range of the template text and its replacement. */
export interface TextEdit {
  start: number;
  end: number;
  replacement: string;
}

/**
 * Replaces the version token of every layer version ARN of `layers` whose
 * layer has an entry in `versions` (layer name to version number). Only
 * the bytes of each token change, so a BOM, CRLF line endings, comments,
 * quoting, anchors and key order stay as they were. A token that already
 * contains the version is left alone, so a second run changes nothing.
 * SSM references and `Fn::ImportValue` carry no version and are not edited.
 */
export function renderLayerVersions(
  template: ParsedTemplate,
  layers: LayerConfig[],
  versions: Map<string, number>,
): RenderedTemplate {
  const references = findLayerReferences(template, layers);
  return renderReferences(template, references, versions);
}

/** Renders with references found already, for callers that need both. */
export function renderReferences(
  template: ParsedTemplate,
  references: LayerReference[],
  versions: Map<string, number>,
): RenderedTemplate {
  const edits: TextEdit[] = [];
  const changes: VersionChange[] = [];
  const skipped: SkippedReference[] = [];

  for (const reference of references) {
    const version = versions.get(reference.layerName);
    if (reference.kind !== 'arn' || version === undefined) {
      continue;
    }
    const range = reference.versionRange;
    if (reference.version === undefined || !range) {
      skipped.push(skippedReference(reference));
      continue;
    }
    const from = template.text.slice(range[0], range[1]);
    const to = String(version);
    // A variable of the list form of `Fn::Sub` that the string uses twice
    // gives two references with the same token.
    const edited = edits.some((edit) => edit.start === range[0]);
    if (from !== to && !edited) {
      edits.push({ start: range[0], end: range[1], replacement: to });
      const position = positionOf(template, range[0]);
      changes.push({ layerName: reference.layerName, ...position, from, to });
    }
  }
  return { text: applyEdits(template.text, edits), changes, skipped };
}

function skippedReference(reference: LayerReference): SkippedReference {
  const reason =
    reference.version === undefined
      ? `its version "${reference.unknownVersion ?? ''}" is neither a ` +
        'number nor the layer placeholder'
      : 'its version is written with escapes';
  return {
    layerName: reference.layerName,
    line: reference.line,
    column: reference.column,
    reason: `layer ARN not updated: ${reason}; write the version as plain text`,
  };
}

/**
 * Applies edits whose ranges do not overlap to `text`. Edits may come in
 * any order.
 */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let result = '';
  let position = 0;
  for (const edit of sorted) {
    if (edit.start < position) {
      throw new RangeError(
        `overlapping edits at offset ${edit.start} of the template text`,
      );
    }
    result += text.slice(position, edit.start) + edit.replacement;
    position = edit.end;
  }
  return result + text.slice(position);
}
