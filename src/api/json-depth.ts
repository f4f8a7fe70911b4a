/**
 * How deeply a JSON text nests, measured on the text before it is parsed. Parsing itself copes
 * with deep nesting, but everything after it that walks the value recursively — re-serializing a
 * write to forward it to the leader (`JSON.stringify`), the prototype-poisoning scan, logging —
 * overflows the stack at a few thousand levels and would answer a 500 for bad input. So every
 * node refuses such a body as a 400 before anything walks it (docs/API.md, "Limits").
 */

const OPEN_ARRAY = 0x5b; // [
const OPEN_OBJECT = 0x7b; // {
const CLOSE_ARRAY = 0x5d; // ]
const CLOSE_OBJECT = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * True when the arrays and objects of the JSON `text` nest deeper than `depthMax` (a top-level
 * object is depth 1). Brackets inside strings do not count. One pass, no recursion; malformed
 * text is measured as far as it goes (the parser refuses it afterwards).
 */
export function nestsDeeperThan(text: string, depthMax: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > depthMax) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}
