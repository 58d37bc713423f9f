import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CephError } from '../../../../src/common/errors.js';
import { encode } from '../../../../src/encoding/encoder.js';
import { Decoder } from '../../../../src/encoding/decoder.js';
import { AddrType, EntityType, makeAddr } from '../../../../src/encoding/types.js';
import {
  decodeMessage,
  type Message,
  type MessageHeader,
  type MessagePayload,
} from '../../../../src/msg/message.js';
import {
  CEPH_SUBSCRIBE_ONETIME,
  ClogType,
  MCommand,
  MCommandReply,
  MConfig,
  MGetConfig,
  MLog,
  MLogAck,
  MMgrCommand,
  MMgrCommandReply,
  MMgrMap,
  MMonCommand,
  MMonCommandAck,
  MMonGetMap,
  MMonGetVersion,
  MMonGetVersionReply,
  MMonMap,
  MMonSubscribe,
  MMonSubscribeAck,
  MOSDMap,
  MonMessageType,
  decodeLogEntry,
  encodeLogEntry,
  formatLogLine,
  type LogEntry,
} from '../../../../src/msg/messages/index-mon.js';

/** A frame recorded by fixtures/msgr2-tap.ts from real Ceph 16.2.15 (see fixtures/README.md). */
interface GoldenFrame {
  name: string;
  header: {
    seq: string;
    tid: string;
    type: number;
    priority: number;
    version: number;
    compatVersion: number;
    dataOff: number;
    ackSeq: string;
    flags: number;
  };
  front: string;
  middle: string;
  data: string;
}

const FSID = '683320df-de86-4a53-a611-67fc463fbd97';
const frames: GoldenFrame[] = JSON.parse(
  readFileSync(
    new URL('../../../../../test/unit/msg/messages/fixtures/pacific-frames.json', import.meta.url),
    'utf8',
  ),
);

function headerOf(f: GoldenFrame, overrides: Partial<MessageHeader> = {}): MessageHeader {
  const h = f.header;
  return {
    seq: BigInt(h.seq),
    tid: BigInt(h.tid),
    type: h.type,
    priority: h.priority,
    version: h.version,
    compatVersion: h.compatVersion,
    dataOff: h.dataOff,
    ackSeq: BigInt(h.ackSeq),
    flags: h.flags,
    ...overrides,
  };
}

function payloadOf(f: GoldenFrame): MessagePayload {
  return {
    front: Buffer.from(f.front, 'hex'),
    middle: Buffer.from(f.middle, 'hex'),
    data: f.data ? [Buffer.from(f.data, 'hex')] : [],
  };
}

function frame(name: string): GoldenFrame {
  const f = frames.find((x) => x.name === name);
  assert.ok(f, `fixture frame ${name}`);
  return f;
}

function decodeGolden<T extends Message>(name: string, cls: abstract new (...args: never[]) => T): T {
  const f = frame(name);
  const m = decodeMessage(headerOf(f), payloadOf(f), 0n);
  assert.ok(m instanceof cls, `${name} decodes to ${cls.name}, got ${m.constructor.name}`);
  return m;
}

/** A small deterministic PRNG so fuzz failures replay from the printed seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

describe('mon messages: golden frames from Pacific', () => {
  for (const f of frames) {
    it(`${f.name}: decode → encode reproduces the captured bytes and header versions`, () => {
      const m = decodeMessage(headerOf(f), payloadOf(f), 0n);
      assert.equal(m.type, f.header.type);
      assert.equal(m.version, f.header.version);
      assert.equal(m.compatVersion, f.header.compatVersion);
      const out = m.encodePayload(0n);
      assert.equal(out.front.toString('hex'), f.front);
      assert.equal(Buffer.concat(out.data).toString('hex'), f.data);
      assert.equal(out.middle.length, 0);
    });
  }

  it('mon_map: the monmap bufferlist is kept whole', () => {
    const m = decodeGolden('mon_map', MMonMap);
    assert.equal(m.monmapBuf.length, Buffer.from(frame('mon_map').front, 'hex').length - 4);
    // the MonMap is itself a versioned struct filling the bufferlist
    const d = new Decoder(m.monmapBuf);
    d.skip(2);
    assert.equal(d.u32(), m.monmapBuf.length - 6);
  });

  it('mon_get_map: empty payload', () => {
    decodeGolden('mon_get_map', MMonGetMap);
    assert.equal(new MMonGetMap().encodePayload().front.length, 0);
  });

  it('mon_subscribe: CLI subscribes to monmap and config from 0, with its hostname', () => {
    const m = decodeGolden('mon_subscribe_cli', MMonSubscribe);
    assert.deepEqual(
      [...m.what],
      [
        ['config', { start: 0, flags: 0 }],
        ['monmap', { start: 0, flags: 0 }],
      ],
    );
    assert.ok(m.hostname.length > 0);
    const once = decodeGolden('mon_subscribe_osdmap', MMonSubscribe);
    assert.deepEqual(once.what.get('osdmap'), { start: 0, flags: CEPH_SUBSCRIBE_ONETIME });
  });

  it('mon_subscribe: `ceph -w` asks for the cluster log stream as "log-info" from 0', () => {
    const m = decodeGolden('mon_subscribe_log', MMonSubscribe);
    assert.deepEqual([...m.what], [['log-info', { start: 0, flags: 0 }]]);
  });

  it('mon_subscribe: entries are encoded in std::map order whatever the insertion order', () => {
    const m = new MMonSubscribe({
      what: new Map([
        ['osdmap', { start: 5, flags: 0 }],
        ['config', { start: 0, flags: 0 }],
        ['mgrmap', { start: 0, flags: 0 }],
      ]),
      hostname: 'h',
    });
    const back = MMonSubscribe.decode(headerOf(frame('mon_subscribe_cli')), m.encodePayload());
    assert.deepEqual([...back.what.keys()], ['config', 'mgrmap', 'osdmap']);
  });

  it('mon_get_version: handle and map name; reply carries newest and oldest', () => {
    const q = decodeGolden('mon_get_version', MMonGetVersion);
    assert.equal(q.handle, 1);
    assert.equal(q.what, 'osdmap');
    const r = decodeGolden('mon_get_version_reply', MMonGetVersionReply);
    assert.deepEqual([r.handle, r.mapVersion, r.oldestVersion], [1, 3, 1]);
  });

  it('osd_map: incremental and full maps by epoch, oldest/newest, no gap snaps', () => {
    const inc = decodeGolden('osd_map_incremental', MOSDMap);
    assert.equal(inc.fsid, FSID);
    assert.equal(inc.maps.size, 0);
    assert.equal(inc.incrementalMaps.size, 1);
    assert.equal(inc.first, inc.last);
    assert.equal(inc.newestMap, inc.last);
    assert.equal(inc.oldestMap, 1);
    assert.equal(inc.gapRemovedSnaps.size, 0);
    const full = decodeGolden('osd_map_full', MOSDMap);
    assert.equal(full.incrementalMaps.size, 0);
    assert.deepEqual([...full.maps.keys()], [full.newestMap]);
  });

  it('mon_command: paxos header, fsid and JSON command; ceph -i input rides in the data segment', () => {
    const m = decodeGolden('mon_command_status', MMonCommand);
    assert.deepEqual(m.paxos, { version: 0, deprecatedSessionMon: -1, deprecatedSessionMonTid: 0n });
    assert.equal(m.fsid, FSID);
    assert.deepEqual(m.cmd, ['{"prefix": "status"}']);
    assert.equal(m.inbuf.length, 0);
    assert.equal(m.tid, 2n);
    const withInput = decodeGolden('mon_command_with_input', MMonCommand);
    assert.equal(withInput.inbuf.toString(), 'hello-input');
  });

  it('mon_command: a built command encodes exactly as the real CLI sent it', () => {
    const m = new MMonCommand({ fsid: FSID, cmd: ['{"prefix": "status"}'], tid: 2n });
    assert.equal(m.encodePayload().front.toString('hex'), frame('mon_command_status').front);
  });

  it('mon_command_ack: output in the data segment; errors as negative errno with status text', () => {
    const ok = decodeGolden('mon_command_ack_output', MMonCommandAck);
    assert.equal(ok.r, 0);
    assert.equal(ok.outbuf.toString(), 'hello-input');
    assert.deepEqual(ok.cmd, ['{"prefix": "config-key get", "key": "capture/key"}']);
    const bad = decodeGolden('mon_command_ack_error', MMonCommandAck);
    assert.equal(bad.r, -2);
    assert.equal(bad.rs, "unrecognized pool 'nosuchpool'");
    assert.equal(bad.outbuf.length, 0);
  });

  it('log: a daemon entry (mgr.x, debug, cluster channel)', () => {
    const m = decodeGolden('log_from_daemon', MLog);
    const e = m.entries[0]!;
    assert.deepEqual(e.name, { type: EntityType.MGR, id: 'x' });
    assert.equal(e.rank.type, EntityType.MGR);
    assert.equal(e.prio, ClogType.DEBUG);
    assert.equal(e.channel, 'cluster');
    assert.equal(e.addrs[0]!.ip, '127.0.0.1');
  });

  it('log: what `ceph -w` received and printed for `ceph log "tap hello from capture"`', () => {
    const m = decodeGolden('log_to_watcher', MLog);
    assert.ok(m.paxos.version > 0);
    const e = m.entries[0]!;
    assert.equal(e.msg, 'tap hello from capture');
    assert.equal(e.prio, ClogType.INFO);
    // the exact line real `ceph -w` printed for this entry (cluster in UTC)
    assert.equal(
      formatLogLine(e, 0),
      '2026-11-21T19:32:43.303163+0000 client.admin [INF] tap hello from capture',
    );
  });

  it('log_ack: last committed seq, empty channel', () => {
    const m = decodeGolden('log_ack', MLogAck);
    assert.equal(m.fsid, FSID);
    assert.equal(m.last, 17);
    assert.equal(m.channel, '');
  });

  it('config: option map from `ceph config set`', () => {
    assert.equal(decodeGolden('config_empty', MConfig).config.size, 0);
    const m = decodeGolden('config_one', MConfig);
    assert.deepEqual([...m.config], [['mon_warn_on_pool_no_redundancy', 'false']]);
  });

  it('command: `ceph tell osd.0 version` request and reply', () => {
    const q = decodeGolden('command_version', MCommand);
    assert.equal(q.type, MonMessageType.MSG_COMMAND);
    assert.deepEqual(q.cmd, ['{"prefix": "version"}']);
    assert.equal(q.fsid, FSID);
    const r = decodeGolden('command_reply_version', MCommandReply);
    assert.equal(r.r, 0);
    assert.equal(JSON.parse(r.outbuf.toString()).version, '16.2.15');
  });

  it('mgr_command: `ceph pg stat` goes to the mgr as MMgrCommand with a zero fsid', () => {
    const q = decodeGolden('mgr_command_pg_stat', MMgrCommand);
    assert.equal(q.type, MonMessageType.MSG_MGR_COMMAND);
    assert.equal(q.typeName, 'mgr_command');
    assert.equal(q.fsid, '00000000-0000-0000-0000-000000000000');
    assert.deepEqual(q.cmd, ['{"prefix": "pg stat", "target": ["mon-mgr", ""]}']);
    const r = decodeGolden('mgr_command_reply_pg_stat', MMgrCommandReply);
    assert.equal(r.type, MonMessageType.MSG_MGR_COMMAND_REPLY);
    assert.match(r.outbuf.toString(), /^\d+ pgs: /);
  });

  it('mgr_map: the payload is the MgrMap struct itself', () => {
    const m = decodeGolden('mgr_map', MMgrMap);
    assert.equal(m.mgrmapBuf.toString('hex'), frame('mgr_map').front);
  });
});

describe('mon messages: robustness', () => {
  it('every truncation of every golden front fails with a CephError or decodes an older layout', () => {
    for (const f of frames) {
      const p = payloadOf(f);
      const step = Math.max(1, Math.floor(p.front.length / 400));
      for (let len = 0; len < p.front.length; len += step) {
        try {
          decodeMessage(headerOf(f), { ...p, front: p.front.subarray(0, len) }, 0n);
        } catch (err) {
          assert.ok(err instanceof CephError, `${f.name} cut at ${len}: ${String(err)}`);
        }
      }
    }
  });

  it('random garbage fronts fail with a CephError, never a crash', () => {
    const seed = Number(process.env.FUZZ_SEED ?? 0x5eed);
    const rand = prng(seed);
    for (const f of frames) {
      for (let i = 0; i < 50; i++) {
        const junk = Buffer.alloc(Math.floor(rand() * 64));
        for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(rand() * 256);
        try {
          decodeMessage(headerOf(f), { front: junk, middle: Buffer.alloc(0), data: [] }, 0n);
        } catch (err) {
          assert.ok(err instanceof CephError, `seed ${seed} ${f.name}: ${String(err)}`);
        }
      }
    }
  });

  it('a compat_version newer than the class knows is refused with EBADMSG', () => {
    const f = frame('mon_command_status');
    assert.throws(
      () => decodeMessage(headerOf(f, { version: 9, compatVersion: 9 }), payloadOf(f), 0n),
      (e: unknown) => e instanceof CephError && e.code === 'EBADMSG',
    );
  });
});

describe('mon messages: layouts not seen on the wire here', () => {
  const header = (type: number, version: number, compatVersion = 1): MessageHeader => ({
    seq: 0n,
    tid: 7n,
    type,
    priority: 127,
    version,
    compatVersion,
    dataOff: 0,
    ackSeq: 0n,
    flags: 0,
  });

  it('mon_subscribe v1: old {unused, have, onetime} records become start = have + 1', () => {
    const front = encode((e) => {
      e.u32(2);
      e.string('monmap').u64(0).u64(0).u8(0);
      e.string('osdmap').u64(0).u64(41).u8(1);
    });
    const m = MMonSubscribe.decode(header(MonMessageType.CEPH_MSG_MON_SUBSCRIBE, 1), {
      front,
      middle: Buffer.alloc(0),
      data: [],
    });
    assert.deepEqual(m.what.get('monmap'), { start: 0, flags: 0 });
    assert.deepEqual(m.what.get('osdmap'), { start: 42, flags: CEPH_SUBSCRIBE_ONETIME });
    assert.equal(m.hostname, '');
  });

  it('mon_subscribe_ack: interval and fsid round trip; fsid may be absent', () => {
    const m = new MMonSubscribeAck({ interval: 300, fsid: FSID });
    const back = MMonSubscribeAck.decode(header(16, 1), m.encodePayload());
    assert.deepEqual([back.interval, back.fsid], [300, FSID]);
    const old = MMonSubscribeAck.decode(header(16, 1), {
      front: encode((e) => e.u32(30)),
      middle: Buffer.alloc(0),
      data: [],
    });
    assert.equal(old.interval, 30);
  });

  it('mon_get_version_reply v1: no oldest_version', () => {
    const m = MMonGetVersionReply.decode(header(20, 1), {
      front: encode((e) => e.u64(3).u64(9)),
      middle: Buffer.alloc(0),
      data: [],
    });
    assert.deepEqual([m.handle, m.mapVersion, m.oldestVersion], [3, 9, 0]);
  });

  it('get_config: name, host and device class round trip', () => {
    const m = new MGetConfig({ name: { type: EntityType.OSD, id: '3' }, host: 'node1', deviceClass: 'ssd' });
    const front = m.encodePayload().front;
    assert.equal(
      front.toString('hex'),
      '04000000' +
        '01000000' +
        '33' +
        '05000000' +
        Buffer.from('node1').toString('hex') +
        '03000000' +
        Buffer.from('ssd').toString('hex'),
    );
    const back = MGetConfig.decode(header(MonMessageType.MSG_GET_CONFIG, 1), {
      front,
      middle: Buffer.alloc(0),
      data: [],
    });
    assert.deepEqual(
      [back.name, back.host, back.deviceClass],
      [{ type: EntityType.OSD, id: '3' }, 'node1', 'ssd'],
    );
  });

  it('osd_map: gap_removed_snaps by pool round trip, maps sorted by epoch', () => {
    const m = new MOSDMap({
      fsid: FSID,
      incrementalMaps: new Map([
        [12, Buffer.from('b')],
        [11, Buffer.from('a')],
      ]),
      oldestMap: 1,
      newestMap: 12,
      gapRemovedSnaps: new Map([[2, [{ start: 4n, length: 3n }]]]),
    });
    const back = MOSDMap.decode(header(41, 4, 3), m.encodePayload());
    assert.deepEqual([...back.incrementalMaps.keys()], [11, 12]);
    assert.deepEqual(back.gapRemovedSnaps.get(2), [{ start: 4n, length: 3n }]);
    assert.deepEqual([back.first, back.last], [11, 12]);
  });

  it('osd_map v1: no oldest/newest, no gap snaps', () => {
    const front = encode((e) => {
      e.bytes(Buffer.alloc(16));
      e.u32(0).u32(1).u32(5).buffer(Buffer.from('full'));
    });
    const m = MOSDMap.decode(header(41, 1), { front, middle: Buffer.alloc(0), data: [] });
    assert.deepEqual([m.oldestMap, m.newestMap, m.maps.get(5)?.toString()], [0, 0, 'full']);
  });

  it('log entry: pre-Nautilus v4 (entity_inst_t, then channel and name) decodes', () => {
    const bytes = encode((e) => {
      e.struct(4, 2, (s) => {
        s.u8(EntityType.OSD).i64(3); // who.name
        s.u32(0).u32(7).bytes(Buffer.alloc(128)); // who.addr, legacy blank
        s.u32(100).u32(0); // stamp
        s.u64(9).u16(ClogType.WARN).string('slow request').string('cluster');
        s.u32(EntityType.OSD).string('3');
      });
    });
    const e = decodeLogEntry(new Decoder(bytes));
    assert.deepEqual(e.name, { type: EntityType.OSD, id: '3' });
    assert.equal(e.addrs[0]!.nonce, 7);
    assert.deepEqual([e.seq, e.prio, e.msg, e.channel], [9, ClogType.WARN, 'slow request', 'cluster']);
  });

  it('log entry: v5 round trip and [WRN]/[???] tags in the ceph -w line', () => {
    const entry: LogEntry = {
      name: { type: EntityType.CLIENT, id: 'admin' },
      rank: { type: EntityType.CLIENT, num: 4123n },
      addrs: [makeAddr(AddrType.ANY, '127.0.0.1', 0, 99)],
      stamp: { sec: 1700000000, nsec: 5000 },
      seq: 3,
      prio: ClogType.WARN,
      msg: 'hi',
      channel: 'audit',
    };
    const back = decodeLogEntry(new Decoder(encode((e) => encodeLogEntry(e, entry))));
    assert.deepEqual(back, entry);
    assert.equal(formatLogLine(entry, 90), '2023-11-14T23:43:20.000005+0130 client.admin [WRN] hi');
    assert.equal(
      formatLogLine({ ...entry, prio: 9 }, 0),
      '2023-11-14T22:13:20.000005+0000 client.admin [???] hi',
    );
  });

  it('command replies: built messages decode back (tid, r, rs, outbuf)', () => {
    const r = new MMgrCommandReply({ r: -22, rs: 'bad', outbuf: Buffer.from('x'), tid: 5n });
    const p = r.encodePayload();
    const back = MMgrCommandReply.decode(header(MonMessageType.MSG_MGR_COMMAND_REPLY, 1), p);
    assert.deepEqual([back.r, back.rs, back.outbuf.toString(), back.tid], [-22, 'bad', 'x', 7n]);
    const q = new MCommand({ cmd: ['{"prefix": "x"}'], inbuf: Buffer.from('in') });
    assert.equal(q.encodePayload().data[0]!.toString(), 'in');
    assert.equal(new MCommandReply({ r: 0 }).encodePayload().data.length, 0);
  });
});
