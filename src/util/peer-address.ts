/**
 * The one shape of a member's address, `host:port` or `[ipv6]:port` with a port in 1..65535: what
 * the transport dials, the flags name and the membership API accepts (docs/MEMBERSHIP.md §2).
 * Group 1 is the host, group 2 the port. The port range is spelled out digit by digit because
 * JSON Schema's `pattern` (the API's validation) cannot compare numbers.
 */
const PORT_SOURCE =
  "([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

/** The address pattern's source, for JSON Schema `pattern`. */
export const PEER_ADDRESS_PATTERN_SOURCE = `^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):${PORT_SOURCE}$`;

/** The address pattern (group 1 the host, group 2 the port). */
export const PEER_ADDRESS_PATTERN = new RegExp(PEER_ADDRESS_PATTERN_SOURCE);
