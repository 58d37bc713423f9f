/**
 * The export/import stream codecs against streams the real `rbd export
 * --export-format 2` and `rbd export-diff` wrote (test/fixtures/rbd-cli/streams,
 * made by capture-session.mjs): decoding them and encoding what was decoded
 * gives the same bytes back.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  DIFF_END,
  encodeDiffHeader,
  encodeDiffsBanner,
  encodeExtent,
  encodeImageHeader,
  RBD_DIFF_BANNER,
  RBD_DIFF_BANNER_V2,
  RBD_IMAGE_BANNER_V2,
  RBD_IMAGE_DIFFS_BANNER_V2,
  readBanner,
  readDiffRecord,
  readImageHeader,
  StreamEnd,
  StreamReader,
  type DiffRecord,
} from '../../../../src/cli/rbd/export-stream.js';
import { fixtureBytes } from './harness.js';

const stream = (name: string): Buffer => gunzipSync(fixtureBytes(`streams/${name}.gz`));

/** A reader over a buffer delivered in chunks of `chunk` bytes (any split must work). */
function reader(b: Buffer, chunk = 4099): StreamReader {
  return new StreamReader(
    (async function* () {
      for (let i = 0; i < b.length; i += chunk) yield b.subarray(i, i + chunk);
    })(),
  );
}

async function readDiff(r: StreamReader, format: 1 | 2): Promise<DiffRecord[]> {
  assert.ok(await readBanner(r, format === 1 ? RBD_DIFF_BANNER : RBD_DIFF_BANNER_V2));
  const out: DiffRecord[] = [];
  for (;;) {
    const rec = await readDiffRecord(r, format);
    out.push(rec);
    if (rec.tag === 'end') return out;
  }
}

/** Encode decoded records back into a diff stream. */
function encodeDiff(records: DiffRecord[], format: 1 | 2): Buffer {
  const header: Parameters<typeof encodeDiffHeader>[0] = { imageSize: 0 };
  const body: Buffer[] = [];
  for (const rec of records) {
    if (rec.tag === 'from') header.fromSnap = rec.name;
    else if (rec.tag === 'to') header.toSnap = rec.name;
    else if (rec.tag === 'protected') header.toSnapProtected = rec.value;
    else if (rec.tag === 'size') header.imageSize = rec.size;
    else if (rec.tag === 'write')
      body.push(encodeExtent(rec.offset, rec.data.length, true, format), rec.data);
    else if (rec.tag === 'zero') body.push(encodeExtent(rec.offset, rec.length, false, format));
  }
  return Buffer.concat([encodeDiffHeader(header, format), ...body, DIFF_END]);
}

describe('rbd export streams: real rbd output decodes and re-encodes byte for byte', () => {
  it('export-diff (format 1) of a snapshot: to-snap, size, one data extent', async () => {
    const real = stream('diff-s1');
    const records = await readDiff(reader(real), 1);
    assert.deepEqual(
      records.map((r) => r.tag),
      ['to', 'size', 'write', 'end'],
    );
    assert.deepEqual(records[0], { tag: 'to', name: 's1' });
    assert.deepEqual(records[1], { tag: 'size', size: 3146728 });
    const w = records[2] as { offset: number; data: Buffer };
    assert.equal(w.offset, 0);
    assert.equal(w.data.length, 3146728);
    assert.ok(encodeDiff(records, 1).equals(real));
  });

  it('export-diff --from-snap --whole-object (format 1): from and to snaps', async () => {
    const real = stream('diff-ab');
    const records = await readDiff(reader(real, 977), 1);
    assert.equal(records[0]!.tag, 'from');
    assert.equal(records[1]!.tag, 'to');
    assert.ok(encodeDiff(records, 1).equals(real));
  });

  for (const name of ['exp2', 'exp2-snap']) {
    it(`export --export-format 2 (${name}): header, diffs banner, one diff v2 per version`, async () => {
      const real = stream(name);
      const r = reader(real, 65536);
      assert.ok(await readBanner(r, RBD_IMAGE_BANNER_V2));
      const header = await readImageHeader(r);
      assert.equal(header.order, 22);
      assert.equal(header.features, 61n);
      assert.equal(header.stripeUnit, 4 << 20);
      assert.equal(header.stripeCount, 1);
      assert.ok(await readBanner(r, RBD_IMAGE_DIFFS_BANNER_V2));
      const count = Number(await r.u64());
      const diffs: DiffRecord[][] = [];
      for (let i = 0; i < count; i++) diffs.push(await readDiff(r, 2));
      await assert.rejects(r.readExact(1), StreamEnd);
      const again = Buffer.concat([
        encodeImageHeader({
          order: header.order!,
          features: header.features!,
          stripeUnit: header.stripeUnit!,
          stripeCount: header.stripeCount!,
          metadata: header.metadata,
        }),
        encodeDiffsBanner(count),
        ...diffs.map((d) => encodeDiff(d, 2)),
      ]);
      assert.ok(again.equals(real), 'same bytes');
    });
  }

  it('image header: metadata entries are sorted by key with their lengths', async () => {
    const b = encodeImageHeader({
      order: 20,
      features: 1n,
      stripeUnit: 1 << 20,
      stripeCount: 1,
      metadata: new Map([
        ['z', '1'],
        ['a', 'xyz'],
      ]),
    });
    const r = reader(b, 3);
    assert.ok(await readBanner(r, RBD_IMAGE_BANNER_V2));
    const h = await readImageHeader(r);
    assert.deepEqual(
      [...h.metadata],
      [
        ['a', 'xyz'],
        ['z', '1'],
      ],
    );
    const meta = b.indexOf(Buffer.from('M'), RBD_IMAGE_BANNER_V2.length + 4 * 17);
    // 'M', u64 length = 4+1 + 4+3, then the key
    assert.equal(b.readBigUInt64LE(meta + 1), 12n);
  });

  it('format 2 unknown tags are skipped by length; a truncated stream ends with StreamEnd', async () => {
    const unknown = Buffer.concat([
      Buffer.from(RBD_DIFF_BANNER_V2),
      Buffer.from([0x58]),
      Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from('abc'),
      DIFF_END,
    ]);
    const recs = await readDiff(reader(unknown, 1), 2);
    assert.deepEqual(recs, [{ tag: 'unknown', byte: 0x58, length: 3 }, { tag: 'end' }]);
    const cut = stream('diff-s1').subarray(0, 100);
    await assert.rejects(readDiff(reader(cut), 1), StreamEnd);
  });
});
