/** Lines of context around each change in a unified diff. */
const CONTEXT_LINES = 3;

/** Above this many line pairs, the diff is one hunk for the changed middle. */
const MAX_LCS_CELLS = 4_000_000;

/** The line GNU diff and git print after a last line that has no `\n`. */
const NO_NEWLINE_MARKER = '\\ No newline at end of file\n';

/** A diff line with its `\n`, or without one when it ends the text. */
type Operation = { kind: ' ' | '-' | '+'; line: string };

/**
 * Returns a unified diff of two texts, as `diff -u` prints it, or an empty
 * string when they are equal. Lines keep their `\r`, so a CRLF file shows
 * as CRLF. A last line without `\n` is followed by
 * `\ No newline at end of file`, and it differs from the same line with
 * `\n`, so `git apply` accepts the diff.
 */
export function unifiedDiff(path: string, before: string, after: string) {
  if (before === after) {
    return '';
  }
  const operations = diffLines(splitLines(before), splitLines(after));
  const hunks = formatHunks(operations);
  return `--- a/${path}\n+++ b/${path}\n${hunks.join('')}`;
}

/** Splits a text into lines that keep their `\n`. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Diffs two line lists by their longest common subsequence, after taking
 * off the common first and last lines.
 */
function diffLines(before: string[], after: string[]): Operation[] {
  let head = 0;
  while (
    head < before.length &&
    head < after.length &&
    before[head] === after[head]
  ) {
    head++;
  }
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail++;
  }
  const same = (lines: string[]): Operation[] =>
    lines.map((line) => ({ kind: ' ', line }));
  const middle = middleOperations(
    before.slice(head, before.length - tail),
    after.slice(head, after.length - tail),
  );
  return [
    ...same(before.slice(0, head)),
    ...middle,
    ...same(before.slice(before.length - tail)),
  ];
}

function middleOperations(before: string[], after: string[]): Operation[] {
  if (before.length * after.length > MAX_LCS_CELLS) {
    return [
      ...before.map((line) => ({ kind: '-' as const, line })),
      ...after.map((line) => ({ kind: '+' as const, line })),
    ];
  }
  // lengths[i][j]: LCS length of before[i..] and after[j..].
  const lengths = Array.from(
    { length: before.length + 1 },
    () => new Uint32Array(after.length + 1),
  );
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      lengths[i][j] =
        before[i] === after[j]
          ? lengths[i + 1][j + 1] + 1
          : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const operations: Operation[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      operations.push({ kind: ' ', line: before[i++] });
      j++;
    } else if (
      j >= after.length ||
      (i < before.length && lengths[i + 1][j] >= lengths[i][j + 1])
    ) {
      operations.push({ kind: '-', line: before[i++] });
    } else {
      operations.push({ kind: '+', line: after[j++] });
    }
  }
  return operations;
}

/** Groups operations into hunks with `CONTEXT_LINES` of context. */
function formatHunks(operations: Operation[]): string[] {
  const changed = operations
    .map((operation, index) => (operation.kind === ' ' ? -1 : index))
    .filter((index) => index >= 0);
  const hunks: string[] = [];
  let index = 0;
  while (index < changed.length) {
    const start = Math.max(0, changed[index] - CONTEXT_LINES);
    let end = changed[index];
    while (
      index + 1 < changed.length &&
      changed[index + 1] - end <= 2 * CONTEXT_LINES
    ) {
      end = changed[++index];
    }
    index++;
    const stop = Math.min(operations.length, end + CONTEXT_LINES + 1);
    hunks.push(formatHunk(operations, start, stop));
  }
  return hunks;
}

function formatHunk(operations: Operation[], start: number, stop: number) {
  const count = (kinds: string, to: number) =>
    operations.slice(0, to).filter((o) => kinds.includes(o.kind)).length;
  const oldStart = count(' -', start) + 1;
  const newStart = count(' +', start) + 1;
  const oldLength = count(' -', stop) - oldStart + 1;
  const newLength = count(' +', stop) - newStart + 1;
  const body = operations
    .slice(start, stop)
    .map((operation) => formatLine(operation))
    .join('');
  return `@@ -${oldStart},${oldLength} +${newStart},${newLength} @@\n${body}`;
}

function formatLine({ kind, line }: Operation): string {
  return line.endsWith('\n')
    ? `${kind}${line}`
    : `${kind}${line}\n${NO_NEWLINE_MARKER}`;
}
