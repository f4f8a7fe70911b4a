/**
 * The canonical orders of the state machine. Everything that is iterated, encoded or reported
 * in a list follows one of these, never a Map's insertion order (docs/state-machine.md).
 */

/** Orders strings by UTF-16 code units, like `Array.prototype.sort` without a comparator. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Inserts `item` into `sorted` (ascending by `compare`) after any equal items, by binary search.
 * O(log n) comparisons plus the array shift.
 */
export function insertSorted<T>(sorted: T[], item: T, compare: (a: T, b: T) => number): void {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compare(sorted[middle] as T, item) <= 0) low = middle + 1;
    else high = middle;
  }
  sorted.splice(low, 0, item);
}
