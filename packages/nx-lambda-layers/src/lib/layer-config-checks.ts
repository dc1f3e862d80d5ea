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
 * Keys of `layer.json`, its `pip` block and its `publish` block: the fields
 * of LayerConfig, LayerPipOptions and LayerPublishConfig, kept in step by hand.
 */
const KNOWN_KEYS: Record<string, string[]> = {
  '': [
    '$schema',
    'layerName',
    'ssmParameter',
    'placeholder',
    'exportName',
    'requirements',
    'runtimes',
    'architectures',
    'license',
    'description',
    'pip',
    'noDependencies',
    'packages',
    'runtime',
    'architecture',
    'layout',
    'exclude',
    'keepDistInfo',
    'publish',
  ],
  pip: ['noIndex', 'findLinks', 'indexUrl', 'extraIndexUrls', 'constraints'],
  publish: [
    'mode',
    's3Bucket',
    's3Prefix',
    'regions',
    'ssmParameters',
    'shareWithAccounts',
    'shareWithOrganization',
    'keepVersions',
    'stackTemplate',
    'stackName',
  ],
};

/**
 * Returns the problem with the first key of `file`, or of its `pip` and
 * `publish` blocks, that layer.json does not have, or undefined. A
 * mistyped key such as `noDependency` would otherwise be ignored and
 * change the build without a word.
 */
export function findUnknownKey(
  file: Record<string, unknown>,
): string | undefined {
  for (const [block, known] of Object.entries(KNOWN_KEYS)) {
    const object = block === '' ? file : file[block];
    if (!isPlainObject(object)) continue;
    const unknown = Object.keys(object as object).find(
      (key) => !known.includes(key),
    );
    if (unknown === undefined) continue;
    const prefix = block === '' ? '' : `${block}.`;
    const guess = closestKey(unknown, known);
    return (
      `unknown key "${prefix}${unknown}"; ` +
      (guess
        ? `did you mean "${prefix}${guess}"?`
        : `use one of ${known.join(', ')}`)
    );
  }
  return undefined;
}

/** Returns the known key within three edits of `key`, if there is one. */
function closestKey(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
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
