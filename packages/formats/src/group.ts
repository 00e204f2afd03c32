/** Appends to the list of `key`, a new list holding the one value when there is none. */
export function addTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  // A literal holds one element; a list built by spreading or pushing has room for 17 (some 150 bytes).
  else map.set(key, [value]);
}

/** Rows by key, each list in the rows' order. */
export function groupBy<T>(rows: readonly T[], keyOf: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) addTo(map, keyOf(row), row);
  return map;
}

/** Adds to the set of `key`, a new set when there is none. */
export function addToSet<T>(map: Map<string, Set<T>>, key: string, value: T): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
