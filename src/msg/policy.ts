import { CEPH_FEATURES_SUPPORTED_DEFAULT } from '../encoding/features.js';
import type { Throttle } from './throttle.js';

/**
 * `Messenger::Policy`: how connections to (or from) one kind of peer behave.
 *
 * | policy              | lossy | server | standby | resetcheck |
 * |---------------------|-------|--------|---------|------------|
 * | statefulServer      |       |   ✓    |    ✓    |     ✓      |
 * | statelessServer     |   ✓   |   ✓    |         |            |
 * | losslessPeer        |       |        |    ✓    |            |
 * | losslessPeerReuse   |       |        |    ✓    |     ✓      |
 * | lossyClient         |   ✓   |        |         |            |
 * | losslessClient      |       |        |         |     ✓      |
 */
export interface Policy {
  /** Messages are dropped on a fault (no replay); the connection closes and the dispatcher gets msHandleReset. */
  lossy: boolean;
  /** Never reconnect: the peer reconnects to us (we go to standby on a fault). */
  server: boolean;
  /** Do not reconnect while there is nothing to send; wait for the next message. */
  standby: boolean;
  /** Detect a peer that lost its session state (cookie mismatch) and reset ours, telling the dispatcher. */
  resetcheck: boolean;
  /** Features we offer to such peers (CLIENT_IDENT/SERVER_IDENT supported mask). */
  featuresSupported: bigint;
  /** Features such peers must have. */
  featuresRequired: bigint;
  /** Bytes of received messages from such peers held in memory at once (e.g. osd_client_message_size_cap). */
  throttlerBytes?: Throttle;
  /** Received messages from such peers held in memory at once (e.g. osd_client_message_cap). */
  throttlerMessages?: Throttle;
}

function make(
  lossy: boolean,
  server: boolean,
  standby: boolean,
  resetcheck: boolean,
  required: bigint,
): Policy {
  return {
    lossy,
    server,
    standby,
    resetcheck,
    featuresSupported: CEPH_FEATURES_SUPPORTED_DEFAULT,
    featuresRequired: required,
  };
}

export const Policy = {
  /** A daemon serving peers that keep a session across reconnects (OSD ← OSD cluster side in Ceph). */
  statefulServer: (requiredFeatures = 0n): Policy => make(false, true, true, true, requiredFeatures),
  /** A daemon serving lossy clients (mon ← client, osd ← client). */
  statelessServer: (requiredFeatures = 0n): Policy => make(true, true, false, false, requiredFeatures),
  /** Two daemons that both may connect (osd ↔ osd); messages survive faults. */
  losslessPeer: (requiredFeatures = 0n): Policy => make(false, false, true, false, requiredFeatures),
  /** Like losslessPeer, but detects a peer restart and resets the session (mon ↔ mon). */
  losslessPeerReuse: (requiredFeatures = 0n): Policy => make(false, false, true, true, requiredFeatures),
  /** A client whose requests are resent by a higher layer (librados → osd, client → mon). */
  lossyClient: (requiredFeatures = 0n): Policy => make(true, false, false, false, requiredFeatures),
  /** A client that needs every message delivered exactly once, in order (mds client). */
  losslessClient: (requiredFeatures = 0n): Policy => make(false, false, false, true, requiredFeatures),
} as const;

/** A per-connection copy (a connection may change `lossy` when the server says so). */
export function copyPolicy(p: Policy): Policy {
  return { ...p };
}
