// Proves the demo's name normalization: diacritics stripped after NFKD, compatibility forms
// folded, lower case, white space collapsed; letters without a decomposition kept.
import { describe, expect, it } from "vitest";
import { normalizeName } from "../../../examples/cities/normalize-name.js";

describe("normalizeName", () => {
  it.each([
    ["São Paulo", "sao paulo"],
    ["Zürich", "zurich"],
    ["Ａｍｓｔｅｒｄａｍ", "amsterdam"],
    ["  Saint-Étienne \t du  Rouvray ", "saint-etienne du rouvray"],
    ["Łódź", "łodz"],
    ["Hà Nội", "ha noi"],
    ["ÅLESUND", "alesund"],
  ])("%s → %s", (name, expected) => {
    expect(normalizeName(name)).toBe(expected);
  });
});
