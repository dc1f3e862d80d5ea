/**
 * Type checks of the optional `layer.json` fields, so that a value of the
 * wrong type fails with the field and the fix instead of a TypeError deep in
 * the build, the graph or an AWS call.
 */

/** Architectures Lambda accepts in `CompatibleArchitectures`. */
const LAMBDA_ARCHITECTURES = ['x86_64', 'arm64'];

/**
 * Placeholder token: the version part of a layer ARN, which the template
 * parser reads as a run of word characters. All digits would be a version.
 */
const PLACEHOLDER_PATTERN = /^(?!\d+$)\w+$/;

const STRING_FIELDS = ['placeholder', 'exportName', 'requirements'];
const STRING_LIST_FIELDS = [
  'runtimes',
  'architectures',
  'noDependencies',
  'packages',
  'exclude',
];

/**
 * Returns the problem with the first optional field of `file` that has the
 * wrong type or value, as `invalid <field> <value>; <fix>`, or undefined.
 */
export function findInvalidField(
  file: Record<string, unknown>,
): string | undefined {
  for (const field of STRING_FIELDS) {
    const value = file[field];
    if (value !== undefined && typeof value !== 'string') {
      return `${describe(field, value)}; set it to a string`;
    }
  }
  for (const field of STRING_LIST_FIELDS) {
    const value = file[field];
    if (value !== undefined && !isStringList(value)) {
      return `${describe(field, value)}; set it to a list of strings`;
    }
  }
  const placeholder = file.placeholder as string | undefined;
  if (placeholder !== undefined && !PLACEHOLDER_PATTERN.test(placeholder)) {
    return (
      `${describe('placeholder', placeholder)}; use letters, digits and ` +
      'underscores, not only digits, such as "SOSW_LAYER_PLACEHOLDER"'
    );
  }
  const architectures = file.architectures as string[] | undefined;
  if (architectures?.some((each) => !LAMBDA_ARCHITECTURES.includes(each))) {
    return (
      `${describe('architectures', architectures)}; Lambda accepts ` +
      LAMBDA_ARCHITECTURES.join(', ')
    );
  }
  const pip = file.pip;
  if (pip !== undefined && !isPlainObject(pip)) {
    return `${describe('pip', pip)}; set it to a JSON object of pip options`;
  }
  return undefined;
}

/**
 * Adds the line and column to a JSON.parse message of Node.js 20, which
 * gives only the character position ("... in JSON at position 19").
 */
export function describeJsonError(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message);
  if (!position) return message;
  const before = text.slice(0, Number(position[1]));
  const lines = before.split('\n');
  const column = lines[lines.length - 1].length + 1;
  return `${message} (line ${lines.length}, column ${column})`;
}

function describe(field: string, value: unknown): string {
  return `invalid ${field} ${JSON.stringify(value)}`;
}

function isStringList(value: unknown): value is string[] {
  return (
    Array.isArray(value) && value.every((each) => typeof each === 'string')
  );
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
