// Test helper (not a test): reads one series' value from a registry by name and labels, and
// lists what a registry holds, through prom-client's own JSON view (what /metrics renders).
import type { Registry } from "prom-client";

/** The value of `name{labels}` (exact label set match on the given keys), or undefined. */
export async function valueOf(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return found?.value;
}

/** Every series of `name` as `label=value,…` → value, sorted by key. */
export async function seriesOf(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const out: Record<string, number> = {};
  for (const value of values) {
    const key = Object.entries(value.labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(",");
    out[key] = value.value;
  }
  return out;
}

/** name → {type, labelNames} of every `elk_coordinator_` metric, from the registry's JSON. */
export async function catalogueOf(
  registry: Registry,
): Promise<Record<string, { type: string; labels: string[] }>> {
  const out: Record<string, { type: string; labels: string[] }> = {};
  for (const { name } of registry.getMetricsAsArray()) {
    const metric = registry.getSingleMetric(name);
    if (metric === undefined) continue;
    const { type } = await metric.get();
    if (!name.startsWith("elk_coordinator_")) continue;
    const labels = (metric as unknown as { labelNames: string[] }).labelNames;
    out[name] = { type: String(type), labels: [...labels].sort() };
  }
  return out;
}
