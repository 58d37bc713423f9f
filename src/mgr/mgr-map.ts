import { Decoder } from '../encoding/decoder.js';
import { decodeEntityAddrVec, type EntityAddrVec } from '../encoding/types.js';

/**
 * The head of a `MgrMap`: which mgr is active and where. A client needs only
 * this to send commands; the rest of the map (standbys, modules, services)
 * is skipped by the struct envelope's length.
 */
export interface MgrMapHead {
  /** Version of the map. */
  epoch: number;
  /** Addresses of the active mgr (empty when none). */
  activeAddrs: EntityAddrVec;
  /** Global id of the active mgr (0 when none). */
  activeGid: bigint;
  /** Whether the active mgr has finished starting and takes commands. */
  available: boolean;
  /** Name of the active mgr (`x` in `mgr.x`). */
  activeName: string;
}

/** Decode the leading fields of an encoded MgrMap (Pacific writes struct v11, compat 6). */
export function decodeMgrMapHead(buf: Buffer): MgrMapHead {
  return new Decoder(buf).struct('MgrMap', 11, (d) => ({
    epoch: d.u32(),
    activeAddrs: decodeEntityAddrVec(d),
    activeGid: d.u64(),
    available: d.bool(),
    activeName: d.string(),
  }));
}
