/**
 * Where each member of the cluster is (docs/MEMBERSHIP.md §2): its `host:port` for the peer
 * transport and its HTTP base URL for forwarding and `leader()`. Addresses come from the
 * replicated configuration; a member of a configuration bootstrapped from `--peers` records none,
 * and then its flag supplies it. The directory also decides which peers the transport keeps links
 * to as the configuration changes.
 */
import type { ConfigurationStatus } from "../raft/ready.js";
import type { NodeId } from "../util/ids.js";
import type { NodeConfig } from "./config.js";

/** `host:port` of an `http(s)://host:port` URL (the form NodeConfig.peers holds). */
function hostPortOf(url: string): string {
  return new URL(url).host;
}

/** The members' addresses, after the configuration in force on this node. */
export class MemberDirectory {
  /** "http:" or "https:", this node's own (the whole cluster uses one). */
  private readonly scheme: string;
  private readonly flagAddresses: ReadonlyMap<NodeId, string>;
  private configuration: ConfigurationStatus;
  private linked: ReadonlyMap<NodeId, string> = new Map();

  /** @param config the node's flags (its own URL is in `config.peers`, checked by validateNodeConfig) */
  constructor(
    private readonly config: NodeConfig,
    configuration: ConfigurationStatus,
  ) {
    this.scheme = new URL(config.peers.get(config.nodeId) ?? "http://localhost:1").protocol;
    this.flagAddresses = new Map(
      [...config.peers].map(([id, url]) => [id, hostPortOf(url)] as const),
    );
    this.configuration = configuration;
  }

  /** `host:port` of `id`: from the configuration, else from the flags, else null. */
  address(id: NodeId): string | null {
    const recorded = this.configuration.addresses?.find((member) => member.id === id);
    return recorded?.address ?? this.flagAddresses.get(id) ?? null;
  }

  /** The HTTP base URL of `id` ("https://10.0.0.7:7101"), or null when its address is unknown. */
  url(id: NodeId): string | null {
    const address = this.address(id);
    return address === null ? null : `${this.scheme}//${address}`;
  }

  /**
   * Adopts the configuration in force and answers the peers the transport should link to now
   * (id → `host:port`), or null when they did not change. Linked are: every voter and learner;
   * the removed members still linked while their removal is in flight or the leader still tells
   * them of it (`departed`: the leader replicates to a removed member until it learned its
   * removal committed, docs/MEMBERSHIP.md §8); and,
   * while the configuration is empty (a joining node, or one whose first entries have not
   * arrived), the members named by the flags.
   */
  adopt(
    configuration: ConfigurationStatus,
    departed: readonly NodeId[] = [],
  ): ReadonlyMap<NodeId, string> | null {
    this.configuration = configuration;
    const { voters, learners, removed = [] } = configuration;
    const ids = new Set<NodeId>([...voters, ...learners]);
    if (ids.size === 0) for (const id of this.flagAddresses.keys()) ids.add(id);
    for (const id of this.linked.keys()) {
      if (removed.includes(id) && (configuration.changeInFlight || departed.includes(id))) {
        ids.add(id);
      }
    }
    const next = new Map<NodeId, string>();
    for (const id of [...ids].sort()) {
      const address = this.address(id);
      if (id !== this.config.nodeId && address !== null) next.set(id, address);
    }
    if (sameEntries(next, this.linked)) return null;
    this.linked = next;
    return next;
  }
}

function sameEntries(a: ReadonlyMap<NodeId, string>, b: ReadonlyMap<NodeId, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, address] of a) if (b.get(id) !== address) return false;
  return true;
}
