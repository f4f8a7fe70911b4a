// Proves the demo's geohash encoder against published values (Wikipedia's and the original
// geohash.org examples), that decoding gives the cell holding the point at every precision,
// and that it refuses what is not a position.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cellContains, geohashCell, geohashEncode } from "../../../examples/cities/geohash.js";

describe("geohashEncode", () => {
  it("matches published geohashes", () => {
    expect(geohashEncode(57.64911, 10.40744, 11)).toBe("u4pruydqqvj");
    expect(geohashEncode(42.605, -5.603, 5)).toBe("ezs42");
    expect(geohashEncode(-25.382708, -49.265506, 7)).toBe("6gkzwgj");
    expect(geohashEncode(0, 0, 1)).toBe("s");
    expect(geohashEncode(-90, -180, 3)).toBe("000");
    expect(geohashEncode(90, 180, 3)).toBe("zzz");
  });

  it("a point lies in the cell of its own geohash, at every precision", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        (lat, lon, precision) => {
          const hash = geohashEncode(lat, lon, precision);
          expect(hash).toHaveLength(precision);
          expect(cellContains(geohashCell(hash), lat, lon)).toBe(true);
          expect(geohashEncode(lat, lon, precision + 1).startsWith(hash)).toBe(true);
        },
      ),
    );
  });

  it("a precision-7 cell is about 153 m by 153 m at the equator", () => {
    const cell = geohashCell(geohashEncode(0.1, 0.1, 7));
    expect((cell.latMax - cell.latMin) * 111_320).toBeCloseTo(152.9, 0);
    expect((cell.lonMax - cell.lonMin) * 111_320).toBeCloseTo(152.9, 0);
  });

  it("refuses non-positions, bad precisions and bad characters", () => {
    expect(() => geohashEncode(91, 0)).toThrow(RangeError);
    expect(() => geohashEncode(0, Number.NaN)).toThrow(RangeError);
    expect(() => geohashEncode(0, 0, 0)).toThrow(RangeError);
    expect(() => geohashCell("u4a")).toThrow(/not a geohash character/);
  });
});
