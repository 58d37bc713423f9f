import { entityTypeName } from '../encoding/types.js';
import type { MessengerOptions } from './options.js';

/**
 * Ceph's messenger fault injection, by its option names:
 *
 * - ms_inject_socket_failures = N: each socket read or write fails with
 *   probability 1/N (the socket is shut down, as Ceph does).
 * - ms_inject_delay_type / _max / _probability: messages received from the
 *   listed peer types are held back up to _max seconds with the given
 *   probability (order on a connection is kept).
 * - ms_inject_internal_delays: a pause at the racy points of session
 *   establishment (address learning, existing-connection lookup).
 *
 * Randomness comes from an injectable source so a seeded run replays.
 */
export class FaultInjector {
  private readonly delayTypes: Set<string>;

  constructor(
    private readonly opts: MessengerOptions,
    private readonly random: () => number,
  ) {
    this.delayTypes = new Set(opts.ms_inject_delay_type.split(/[\s,]+/).filter(Boolean));
  }

  /** True when this socket operation should fail. */
  socketFailure(): boolean {
    const n = this.opts.ms_inject_socket_failures;
    return n > 0 && Math.floor(this.random() * n) === 0;
  }

  /** Delay (ms) to hold a message received from a peer of `peerType`; 0 for none. */
  deliveryDelayMs(peerType: number): number {
    if (this.delayTypes.size === 0 || !this.delayTypes.has(entityTypeName(peerType))) return 0;
    if (this.random() >= this.opts.ms_inject_delay_probability) return 0;
    return this.opts.ms_inject_delay_max * this.random() * 1000;
  }

  /** True when messages from `peerType` go through the delay queue at all. */
  delaysType(peerType: number): boolean {
    return this.delayTypes.has(entityTypeName(peerType));
  }

  /** Pause (ms) at a racy handshake point; 0 for none. */
  internalDelayMs(): number {
    return this.opts.ms_inject_internal_delays * 1000;
  }
}

/** A small seeded PRNG (mulberry32) so randomized tests replay from their printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
