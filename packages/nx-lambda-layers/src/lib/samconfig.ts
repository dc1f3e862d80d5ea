import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { isMap, LineCounter, parseDocument } from 'yaml';

/** File name of the SAM CLI project configuration, next to the template. */
export const SAM_CONFIG_FILE = 'samconfig.toml';

/**
 * SAM CLI configuration file names, in the order SAM CLI looks for them
 * next to the template when `--config-file` is not given.
 */
export const SAM_CONFIG_FILES = [
  SAM_CONFIG_FILE,
  'samconfig.yaml',
  'samconfig.yml',
];

/**
 * Deploy settings of one SAM CLI configuration environment: the keys of
 * `[<env>.deploy.parameters]` merged over `[<env>.global.parameters]`.
 */
export interface SamDeployConfig {
  stackName?: string;
  region?: string;
  profile?: string;
  /** IAM capabilities such as `CAPABILITY_IAM`. */
  capabilities?: string[];
  /** Template parameter values by parameter name, empty when none are set. */
  parameterOverrides: Record<string, string>;
  s3Bucket?: string;
  s3Prefix?: string;
  resolveS3?: boolean;
  tags?: Record<string, string>;
  confirmChangeset?: boolean;
  roleArn?: string;
  notificationArns?: string[];
}

/** A `samconfig.toml` that cannot be read as SAM CLI configuration. */
export class SamConfigError extends Error {
  override name = 'SamConfigError';
}

type Table = Record<string, unknown>;

/** A merged parameter table with the text that locates its keys in errors. */
interface ValueReader {
  source: string;
  text: string;
  configEnv: string;
  table: Table;
}

/**
 * Parses SAM CLI configuration text and returns the deploy settings of
 * `configEnv`. `source` names the file in errors, and a `source` ending in
 * `.yaml` or `.yml` is read as YAML, any other as TOML. An environment that
 * the file does not define gives empty settings, so a stack without one
 * deploys with the plugin's defaults.
 */
export function parseSamConfig(
  text: string,
  source: string,
  configEnv = 'default',
): SamDeployConfig {
  const document = isYamlFile(source)
    ? parseYaml(text, source)
    : parseToml(text, source);
  const environment = asTable(document[configEnv]);
  const table = {
    ...asTable(asTable(environment.global).parameters),
    ...asTable(asTable(environment.deploy).parameters),
  };
  const reader: ValueReader = { source, text, configEnv, table };

  return dropUndefined({
    stackName: readString(reader, 'stack_name'),
    region: readString(reader, 'region'),
    profile: readString(reader, 'profile'),
    capabilities: readWords(reader, 'capabilities'),
    parameterOverrides: readPairs(reader, 'parameter_overrides') ?? {},
    s3Bucket: readString(reader, 's3_bucket'),
    s3Prefix: readString(reader, 's3_prefix'),
    resolveS3: readBoolean(reader, 'resolve_s3'),
    tags: readPairs(reader, 'tags'),
    confirmChangeset: readBoolean(reader, 'confirm_changeset'),
    roleArn: readString(reader, 'role_arn'),
    notificationArns: readWords(reader, 'notification_arns'),
  });
}

/**
 * Returns the path of the first of `samconfig.toml`, `samconfig.yaml` and
 * `samconfig.yml` that exists in `dir`, or undefined when none does.
 */
export function findSamConfigFile(dir: string): string | undefined {
  return SAM_CONFIG_FILES.map((name) => join(dir, name)).find((path) =>
    existsSync(path),
  );
}

/**
 * Reads the SAM CLI configuration file of `dir` (see `findSamConfigFile`)
 * and returns the deploy settings of `configEnv`, or undefined when the
 * folder has no such file.
 */
export function readSamConfig(
  dir: string,
  configEnv = 'default',
): SamDeployConfig | undefined {
  const path = findSamConfigFile(dir);
  if (path === undefined) {
    return undefined;
  }
  return readSamConfigFile(path, configEnv);
}

/**
 * Returns the names of the config environments (top-level tables such as
 * `default` or `prod`) that one configuration file defines.
 */
export function listSamConfigEnvironments(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const document = isYamlFile(path)
    ? parseYaml(text, path)
    : parseToml(text, path);
  return Object.keys(document).filter(
    (key) => typeof document[key] === 'object' && document[key] !== null,
  );
}

/** Reads the deploy settings of `configEnv` from one configuration file. */
export function readSamConfigFile(
  path: string,
  configEnv = 'default',
): SamDeployConfig {
  return parseSamConfig(readFileSync(path, 'utf8'), path, configEnv);
}

/**
 * Splits SAM's `Key=Value Key2="value 2"` text into pairs. A value in
 * double quotes may contain spaces and `\"`. SAM CLI's
 * `ParameterKey=K,ParameterValue=V` form is accepted too. Returns the
 * text of each entry that is not a pair in `invalid`.
 */
export function splitKeyValuePairs(text: string): {
  pairs: Record<string, string>;
  invalid: string[];
} {
  const pairs: Record<string, string> = {};
  const invalid: string[] = [];
  for (const token of splitOutsideQuotes(text)) {
    const pair = parsePair(token);
    if (pair) {
      pairs[pair[0]] = pair[1];
    } else {
      invalid.push(token);
    }
  }
  return { pairs, invalid };
}

const LONG_FORM_PAIR = /^ParameterKey=([^,]+),ParameterValue=(.*)$/s;

function parsePair(token: string): [string, string] | undefined {
  const longForm = LONG_FORM_PAIR.exec(token);
  if (longForm) {
    return [longForm[1], unquote(longForm[2])];
  }
  const equals = token.indexOf('=');
  if (equals <= 0) {
    return undefined;
  }
  return [unquote(token.slice(0, equals)), unquote(token.slice(equals + 1))];
}

/** Splits on whitespace that is not inside double quotes. */
function splitOutsideQuotes(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && i + 1 < text.length) {
      current += char + text[++i];
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (/\s/.test(char) && !quoted) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** Removes double quotes around a value and the backslash of `\"`. */
function unquote(value: string): string {
  const inner =
    value.length >= 2 && value.startsWith('"') && value.endsWith('"')
      ? value.slice(1, -1)
      : value;
  return inner.replace(/\\(.)/g, '$1');
}

function parseToml(text: string, source: string): Table {
  try {
    return parse(text) as Table;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new SamConfigError(
        `${source}:${error.line}:${error.column}: invalid TOML: ` +
          `${error.message.split('\n')[0]}; fix the syntax or regenerate ` +
          'the file with `sam deploy --guided`',
      );
    }
    throw error;
  }
}

function isYamlFile(source: string): boolean {
  return /\.ya?ml$/i.test(source);
}

function parseYaml(text: string, source: string): Table {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const [error] = document.errors;
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new SamConfigError(
      `${source}:${line}:${col}: invalid YAML: ` +
        `${error.message.split('\n')[0]}; fix the syntax`,
    );
  }
  const value: unknown = document.toJS();
  return asTable(value);
}

function asTable(value: unknown): Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Table)
    : {};
}

function readString(reader: ValueReader, key: string): string | undefined {
  const value = reader.table[key];
  if (value === undefined || typeof value === 'string') {
    return value;
  }
  throw invalidValue(reader, key, 'a string');
}

function readBoolean(reader: ValueReader, key: string): boolean | undefined {
  const value = reader.table[key];
  if (value === undefined || typeof value === 'boolean') {
    return value;
  }
  throw invalidValue(reader, key, 'true or false');
}

/** Reads a list written as one space-separated string or a TOML array. */
function readWords(reader: ValueReader, key: string): string[] | undefined {
  const value = reader.table[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'string') {
    return value.split(/\s+/).filter(Boolean);
  }
  if (isStringList(value)) {
    return value.flatMap((item) => item.split(/\s+/).filter(Boolean));
  }
  throw invalidValue(
    reader,
    key,
    'a string of space-separated words or a list of strings',
  );
}

/** Reads `Key=Value` pairs written as one string or a list of strings. */
function readPairs(
  reader: ValueReader,
  key: string,
): Record<string, string> | undefined {
  const value = reader.table[key];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' && !isStringList(value)) {
    throw invalidValue(
      reader,
      key,
      'a string of Key=Value pairs or a list of "Key=Value" strings',
    );
  }
  const entries = typeof value === 'string' ? [value] : (value as string[]);
  const result: Record<string, string> = {};
  for (const entry of entries) {
    const { pairs, invalid } = splitKeyValuePairs(entry);
    if (invalid.length > 0) {
      throw new SamConfigError(
        `${positionOfKey(reader, key)}: invalid ${key} entry ` +
          `${JSON.stringify(invalid[0])}; write Key=Value pairs separated ` +
          'by spaces, with double quotes around values that contain spaces',
      );
    }
    Object.assign(result, pairs);
  }
  return result;
}

function isStringList(value: unknown): value is string[] {
  return (
    Array.isArray(value) && value.every((item) => typeof item === 'string')
  );
}

function invalidValue(
  reader: ValueReader,
  key: string,
  expected: string,
): SamConfigError {
  return new SamConfigError(
    `${positionOfKey(reader, key)}: invalid ${key} ` +
      `${JSON.stringify(reader.table[key])}; set it to ${expected}`,
  );
}

/**
 * Returns `source:line` of the line that assigns `key` in the environment's
 * deploy table, else in its global table. smol-toml returns values without
 * positions, so the line is found in the text.
 */
function positionOfKey(reader: ValueReader, key: string): string {
  if (isYamlFile(reader.source)) {
    return yamlPositionOfKey(reader, key);
  }
  const assignment = new RegExp(`^\\s*["']?${key}["']?\\s*=`);
  const lines = reader.text.split(/\r?\n/);
  const found: Record<string, number> = {};
  let section = '';
  lines.forEach((line, index) => {
    const header = /^\s*\[([^\]]+)\]/.exec(line);
    if (header) {
      section = header[1].replace(/["'\s]/g, '');
    } else if (assignment.test(line)) {
      found[section] = index + 1;
    }
  });
  const line =
    found[`${reader.configEnv}.deploy.parameters`] ??
    found[`${reader.configEnv}.global.parameters`];
  return line === undefined ? reader.source : `${reader.source}:${line}`;
}

/** Returns `source:line` of `key` in the YAML deploy, else global, table. */
function yamlPositionOfKey(reader: ValueReader, key: string): string {
  const lineCounter = new LineCounter();
  const document = parseDocument(reader.text, { lineCounter });
  for (const command of ['deploy', 'global']) {
    const table = document.getIn([reader.configEnv, command, 'parameters']);
    const pair = isMap(table)
      ? table.items.find((item) => String(item.key) === key)
      : undefined;
    const offset = (pair?.key as { range?: [number] } | undefined)?.range?.[0];
    if (offset !== undefined) {
      return `${reader.source}:${lineCounter.linePos(offset).line}`;
    }
  }
  return reader.source;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, item]) => item !== undefined),
  ) as T;
}
