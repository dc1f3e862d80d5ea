/**
 * Shared parts of the block YAML reader (yaml.ts) and its one-line scalar
 * and flow collection readers (yaml-flow.ts).
 */

/** Thrown inside the readers when the text needs the full parser. */
export const DECLINED = new Error('declined by the block YAML reader');

export function decline(): never {
  throw DECLINED;
}

export const SPACE = 0x20;
export const HASH = 0x23;
export const COLON = 0x3a;
export const DASH = 0x2d;
export const LINE_FEED = 0x0a;
export const CARRIAGE_RETURN = 0x0d;

/** First characters that cannot start a plain scalar. */
export const NOT_PLAIN_START = new Set('[]{},#&*!|>\'"%@`?');
/** Characters that end a plain scalar inside a flow collection. */
export const FLOW_INDICATORS = new Set(',[]{}');
