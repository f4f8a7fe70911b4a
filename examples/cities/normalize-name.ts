/**
 * The demo's normalized city name: Unicode compatibility decomposition (NFKD), combining marks
 * removed (the diacritics), lower case, runs of white space as one space, trimmed.
 * "São Paulo" → "sao paulo", "Zürich" → "zurich", "Ｔｏｋｙｏ" → "tokyo". Letters that do not
 * decompose (ł, ø, ß) are kept as they are.
 */
export function normalizeName(name: string): string {
  return name.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/gu, " ").trim();
}
