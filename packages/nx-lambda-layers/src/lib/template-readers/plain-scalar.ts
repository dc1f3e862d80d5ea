/**
 * Resolves a plain (unquoted, untagged) scalar as the YAML 1.2 core schema
 * of the `yaml` library does (version 2.9, `intAsBigInt` off). The types
 * are null, booleans, integers in decimal, octal `0o` and hexadecimal
 * `0x`, and floats with `.inf` and `.nan`. Everything else is a string.
 */
export function resolvePlainScalar(source: string): unknown {
  const first = source.charCodeAt(0);
  // Strings that start with a letter other than n, N, t, T, f, F cannot be
  // another type, which skips the tests below for most keys and values.
  if ((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a)) {
    if (!'nNtTfF'.includes(source[0])) return source;
  }
  if (NULL.test(source)) return null;
  if (BOOL.test(source)) return source[0] === 't' || source[0] === 'T';
  if (INT_OCT.test(source)) return parseInt(source.slice(2), 8);
  if (INT.test(source)) return parseInt(source, 10);
  if (INT_HEX.test(source)) return parseInt(source.slice(2), 16);
  if (FLOAT_NAN_INF.test(source)) {
    if (source.slice(-3).toLowerCase() === 'nan') return NaN;
    return source[0] === '-' ? -Infinity : Infinity;
  }
  if (FLOAT_EXP.test(source) || FLOAT.test(source)) return parseFloat(source);
  return source;
}

// The tests of the core schema's tags in `yaml` 2.9 (dist/schema/core).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN_INF = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
