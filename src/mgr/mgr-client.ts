/**
 * MgrClient, the command path: follows the MgrMap to the active mgr and
 * sends it MMgrCommand, matching replies by tid. A plain client sends no
 * MMgrOpen (Ceph's MgrClient only opens a session for daemons).
 *
 *   command() → [no available mgr] wait for an MgrMap naming one
 *             → SEND (MMgrCommand on the connection to the active mgr)
 *             → reply → resolve
 *   connection reset / new active mgr → resend every pending command
 *   timeout (rados_mon_op_timeout) → ETIMEDOUT;  shutDown() → ECANCELED
 */
import { CephError } from '../common/errors.js';
import { EntityType } from '../encoding/types.js';
import type { Clock, TimerHandle } from '../msg/clock.js';
import type { Connection } from '../msg/connection.js';
import type { Dispatcher } from '../msg/dispatch-queue.js';
import type { Message } from '../msg/message.js';
import type { Messenger } from '../msg/messenger.js';
import { MMgrCommand, type MMgrCommandReply } from '../msg/messages/command.js';
import type { MMgrMap } from '../msg/messages/mon-mgr-map.js';
import { MonMessageType } from '../msg/messages/mon-message-types.js';
import { decodeMgrMapHead, type MgrMapHead } from './mgr-map.js';

export interface MgrCommandResult {
  r: number;
  rs: string;
  outbuf: Buffer;
}

interface PendingMgrCommand {
  tid: bigint;
  cmd: string[];
  inbuf: Buffer;
  resolve(result: MgrCommandResult): void;
  reject(err: Error): void;
  timer?: TimerHandle;
}

export class MgrClient implements Dispatcher {
  map: MgrMapHead | undefined;
  private con: Connection | undefined;
  private readonly pending = new Map<bigint, PendingMgrCommand>();
  private lastTid = 0n;
  private stopped = false;

  constructor(
    private readonly messenger: Messenger,
    private readonly clock: Clock,
  ) {}

  /** Join the dispatcher chain. */
  init(): void {
    this.messenger.addDispatcherTail(this);
  }

  command(cmd: string[], inbuf: Buffer = Buffer.alloc(0), timeoutMs = 0): Promise<MgrCommandResult> {
    if (this.stopped) return Promise.reject(new CephError('ESHUTDOWN', 'mgrclient is shut down'));
    const tid = ++this.lastTid;
    return new Promise((resolve, reject) => {
      const p: PendingMgrCommand = { tid, cmd, inbuf, resolve, reject };
      if (timeoutMs > 0) {
        p.timer = this.clock.setTimer(() => {
          this.pending.delete(tid);
          reject(new CephError('ETIMEDOUT', 'timed out'));
        }, timeoutMs);
      }
      this.pending.set(tid, p);
      this.send(p);
    });
  }

  private send(p: PendingMgrCommand): void {
    if (!this.con) return; // sent when an MgrMap names an available mgr
    this.con.sendMessage(new MMgrCommand({ cmd: p.cmd, inbuf: p.inbuf, tid: p.tid }));
  }

  private handleMap(map: MgrMapHead): void {
    const changed = !this.map || this.map.activeGid !== map.activeGid || this.map.available !== map.available;
    this.map = map;
    if (!changed) return;
    this.con?.markDown();
    this.con = undefined;
    if (!map.available || map.activeAddrs.length === 0) return;
    this.con = this.messenger.connectTo(EntityType.MGR, map.activeAddrs);
    for (const p of this.pending.values()) this.send(p);
  }

  msDispatch(msg: Message, con: Connection): boolean {
    if (msg.type === MonMessageType.MSG_MGR_MAP) {
      this.handleMap(decodeMgrMapHead((msg as MMgrMap).mgrmapBuf));
      return true;
    }
    if (msg.type !== MonMessageType.MSG_MGR_COMMAND_REPLY || con !== this.con) return false;
    const reply = msg as MMgrCommandReply;
    const p = this.pending.get(reply.tid);
    if (p) {
      this.pending.delete(reply.tid);
      if (p.timer) this.clock.cancelTimer(p.timer);
      p.resolve({ r: reply.r, rs: reply.rs, outbuf: reply.outbuf });
    }
    return true;
  }

  msHandleReset(con: Connection): boolean {
    if (con !== this.con || !this.map) return false;
    // lossy session to the mgr failed: reconnect and resend (the mgr may have restarted)
    this.con = this.messenger.connectTo(EntityType.MGR, this.map.activeAddrs);
    for (const p of this.pending.values()) this.send(p);
    return true;
  }

  async shutDown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const p of this.pending.values()) {
      if (p.timer) this.clock.cancelTimer(p.timer);
      p.reject(new CephError('ECANCELED', 'mgrclient shutting down'));
    }
    this.pending.clear();
    this.con?.markDown();
    this.con = undefined;
  }
}
