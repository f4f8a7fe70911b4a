// Proves the simulated network delivers, loses, duplicates, delays and cuts messages as configured.
import { describe, expect, it } from "vitest";
import { createPrng } from "../../src/util/prng.js";
import { CALM_NETWORK, SimNetwork } from "./network.js";
import type { NetworkConfig } from "./network.js";

const config = (over: Partial<NetworkConfig>): NetworkConfig => ({ ...CALM_NETWORK, ...over });

function sendMany(net: SimNetwork, count: number, from = 0, to = 1) {
  let copies = 0;
  for (let i = 0; i < count; i++) copies += net.transmit(from, to, 100).length;
  return copies;
}

describe("SimNetwork", () => {
  it("delivers every message once within the delay range when calm", () => {
    const net = new SimNetwork(3, config({ delayMsMin: 4, delayMsMax: 9 }), createPrng(1));
    for (let i = 0; i < 500; i++) {
      const copies = net.transmit(0, 2, 1000);
      expect(copies).toHaveLength(1);
      expect(copies[0]!.atMs).toBeGreaterThanOrEqual(1004);
      expect(copies[0]!.atMs).toBeLessThanOrEqual(1009);
      expect(net.canDeliver(0, 2, copies[0]!.epoch)).toBe(true);
    }
  });

  it("loses and duplicates at roughly the configured rates", () => {
    const lossy = new SimNetwork(2, config({ lossProbability: 0.3 }), createPrng(2));
    const delivered = sendMany(lossy, 10_000);
    expect(delivered).toBeGreaterThan(6_500);
    expect(delivered).toBeLessThan(7_500);
    expect(lossy.stats.lost).toBe(10_000 - delivered);

    const dup = new SimNetwork(2, config({ duplicateProbability: 0.2 }), createPrng(3));
    const copies = sendMany(dup, 10_000);
    expect(copies - 10_000).toBe(dup.stats.duplicated);
    expect(dup.stats.duplicated).toBeGreaterThan(1_700);
    expect(dup.stats.duplicated).toBeLessThan(2_300);
  });

  it("reorders: later sends can arrive earlier", () => {
    const net = new SimNetwork(2, config({ delayMsMin: 1, delayMsMax: 50 }), createPrng(4));
    const arrivals = Array.from({ length: 50 }, (_, i) => net.transmit(0, 1, i)[0]!.atMs);
    const inversions = arrivals.filter((t, i) => i > 0 && t < arrivals[i - 1]!).length;
    expect(inversions).toBeGreaterThan(0);
  });

  it("spikes add extra delay", () => {
    const net = new SimNetwork(
      2,
      config({ delayMsMin: 1, delayMsMax: 1, spikeProbability: 1, spikeDelayMsMax: 100 }),
      createPrng(5),
    );
    const delays = Array.from({ length: 100 }, () => net.transmit(0, 1, 0)[0]!.atMs);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...delays)).toBeGreaterThan(50);
  });

  it("a one-way cut blocks one direction only", () => {
    const net = new SimNetwork(3, CALM_NETWORK, createPrng(6));
    net.cutOneWay(0, 1);
    expect(net.transmit(0, 1, 0)).toEqual([]);
    expect(net.transmit(1, 0, 0)).toHaveLength(1);
    expect(net.transmit(0, 2, 0)).toHaveLength(1);
    expect(net.stats.blocked).toBe(1);
  });

  it("a symmetric netsplit cuts both ways across the split and nothing within a side", () => {
    const net = new SimNetwork(5, CALM_NETWORK, createPrng(7));
    net.netsplit([0, 1]);
    expect(net.isLinkUp(0, 1)).toBe(true);
    expect(net.isLinkUp(2, 4)).toBe(true);
    expect(net.isLinkUp(0, 3)).toBe(false);
    expect(net.isLinkUp(3, 0)).toBe(false);
    net.healAll();
    expect(net.isLinkUp(0, 3)).toBe(true);
  });

  it("isolating a node cuts it off both ways", () => {
    const net = new SimNetwork(3, CALM_NETWORK, createPrng(8));
    net.isolate(2);
    expect([net.isLinkUp(2, 0), net.isLinkUp(1, 2), net.isLinkUp(0, 1)]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("drops in-flight copies when the link is cut or the connection reset before arrival", () => {
    const net = new SimNetwork(3, CALM_NETWORK, createPrng(9));
    const a = net.transmit(0, 1, 0)[0]!;
    const b = net.transmit(1, 0, 0)[0]!;
    const c = net.transmit(0, 2, 0)[0]!;
    net.resetConnection(1, 0);
    expect(net.canDeliver(0, 1, a.epoch)).toBe(false);
    expect(net.canDeliver(1, 0, b.epoch)).toBe(false);
    expect(net.canDeliver(0, 2, c.epoch)).toBe(true);
    const d = net.transmit(0, 1, 0)[0]!;
    expect(net.canDeliver(0, 1, d.epoch)).toBe(true);
    net.cutOneWay(0, 1);
    expect(net.canDeliver(0, 1, d.epoch)).toBe(false);
    expect(net.stats.droppedInFlight).toBe(3);
  });

  it("is deterministic for a seed", () => {
    const run = (seed: number) => {
      const net = new SimNetwork(
        3,
        config({ lossProbability: 0.2, duplicateProbability: 0.2, delayMsMax: 30 }),
        createPrng(seed),
      );
      return Array.from({ length: 100 }, (_, i) => net.transmit(i % 3, (i + 1) % 3, i));
    };
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
  });
});
