/**
 * A small geohash encoder and decoder (Gustavo Niemeyer's public-domain scheme, 2008): the
 * longitude and latitude intervals are halved in turn, longitude first, each halving giving one
 * bit; every five bits are one character of the geohash base-32 alphabet. Written here for the
 * demo; the verifier decodes a hash to its cell to check it independently of the encoder.
 */

/** The geohash alphabet: digits and lowercase letters without a, i, l, o. */
const BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz";

/** The cell a geohash names: [latMin, latMax) × [lonMin, lonMax) in degrees. */
export interface GeohashCell {
  readonly latMin: number;
  readonly latMax: number;
  readonly lonMin: number;
  readonly lonMax: number;
}

/**
 * The geohash of (lat, lon) with `precision` characters (5 bits each).
 * @throws RangeError when lat is outside [-90, 90], lon outside [-180, 180] or precision < 1
 */
export function geohashEncode(lat: number, lon: number, precision = 7): string {
  if (!(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
    throw new RangeError(`(${lat}, ${lon}) is not a position`);
  }
  if (!Number.isSafeInteger(precision) || precision < 1) {
    throw new RangeError(`precision must be a positive integer, got ${precision}`);
  }
  const cell = { latMin: -90, latMax: 90, lonMin: -180, lonMax: 180 };
  let hash = "";
  let value = 0;
  let bits = 0;
  let longitude = true;
  while (hash.length < precision) {
    value = value * 2 + (halve(cell, longitude, longitude ? lon : lat) ? 1 : 0);
    longitude = !longitude;
    if (++bits === 5) {
      hash += BASE32[value];
      value = 0;
      bits = 0;
    }
  }
  return hash;
}

/**
 * Halves `cell` along longitude or latitude, keeping the half that holds `coordinate`.
 * @returns true when that is the upper half (the bit is 1)
 */
function halve(
  cell: { latMin: number; latMax: number; lonMin: number; lonMax: number },
  longitude: boolean,
  coordinate: number,
): boolean {
  const mid = longitude ? (cell.lonMin + cell.lonMax) / 2 : (cell.latMin + cell.latMax) / 2;
  const high = coordinate >= mid;
  if (longitude) {
    if (high) cell.lonMin = mid;
    else cell.lonMax = mid;
  } else if (high) cell.latMin = mid;
  else cell.latMax = mid;
  return high;
}

/**
 * The cell of `hash`.
 * @throws RangeError when `hash` holds a character outside the alphabet
 */
export function geohashCell(hash: string): GeohashCell {
  let latMin = -90;
  let latMax = 90;
  let lonMin = -180;
  let lonMax = 180;
  let longitude = true;
  for (const char of hash) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new RangeError(`"${char}" is not a geohash character`);
    for (let bit = 4; bit >= 0; bit--) {
      const high = ((value >> bit) & 1) === 1;
      if (longitude) {
        const mid = (lonMin + lonMax) / 2;
        if (high) lonMin = mid;
        else lonMax = mid;
      } else {
        const mid = (latMin + latMax) / 2;
        if (high) latMin = mid;
        else latMax = mid;
      }
      longitude = !longitude;
    }
  }
  return { latMin, latMax, lonMin, lonMax };
}

/** Whether (lat, lon) lies in `cell` (its upper edges count, for the poles and the antimeridian). */
export function cellContains(cell: GeohashCell, lat: number, lon: number): boolean {
  return lat >= cell.latMin && lat <= cell.latMax && lon >= cell.lonMin && lon <= cell.lonMax;
}
