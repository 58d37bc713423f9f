/**
 * Commands the real-cluster session does not reach, on the in-memory librbd:
 * watch notifications, watchers in status, bench, children in the trash,
 * snapshot namespaces, and the pieces of import/export around stdin/stdout.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { run } from './harness.js';
import { addWatcher, fakeClusterWithPool } from './fake-librbd.js';

const C = ['-c', '/dev/null'];

describe('rbd commands on the fake librbd', () => {
  it('watch: prints each notification on the header, then unwatches on enter', async () => {
    const cluster = fakeClusterWithPool();
    await run([...C, 'create', '-s', '1M', 'img'], cluster);
    const id = cluster.pools.get('rbd')!.byName('', 'img')!.id;
    const r = await run([...C, 'watch', 'img'], cluster, {
      onWaitForEnter: () => cluster.notify('rbd', `rbd_header.${id}`, Buffer.alloc(7)),
    });
    assert.equal(r.code, 0);
    assert.match(
      r.stdout.toString(),
      /^press enter to exit\.\.\.\nimg received notification: notify_id=1000, cookie=\d+, notifier_id=4567, bl\.length=7\n$/,
    );
    assert.equal(cluster.watches.size, 0, 'unwatched');
  });

  it('status: the image header watchers, plain and JSON', async () => {
    const cluster = fakeClusterWithPool();
    await run([...C, 'create', '-s', '1M', 'img'], cluster);
    addWatcher(cluster, 'rbd', 'img', { addr: '127.0.0.1:0/3212', id: 4200n, cookie: 139771n });
    const plain = await run([...C, 'status', 'img'], cluster);
    assert.equal(
      plain.stdout.toString(),
      'Watchers:\n\twatcher=127.0.0.1:0/3212 client.4200 cookie=139771\n',
    );
    const json = await run([...C, 'status', 'img', '--format', 'json'], cluster);
    assert.equal(
      json.stdout.toString(),
      '{"watchers":[{"address":"127.0.0.1:0/3212","client":4200,"cookie":139771}]}\n',
    );
    const rm = await run([...C, 'rm', '--no-progress', 'img'], cluster);
    assert.equal(rm.code, 16);
    assert.equal(
      rm.stderr,
      'rbd: error: image still has watchers\nThis means the image is still open or the client using it crashed. ' +
        'Try again after closing/unmapping it or waiting 30s for the crashed client to timeout.\n',
    );
  });

  it('bench: header, column titles, summary; the writes land in the image', async () => {
    const cluster = fakeClusterWithPool();
    await run([...C, 'create', '-s', '1M', 'img'], cluster);
    const r = await run(
      [
        ...C,
        'bench',
        '--io-type',
        'rw',
        '--rw-mix-read',
        '0',
        '--io-size',
        '4K',
        '--io-total',
        '64K',
        '--io-pattern',
        'full-seq',
        'img',
      ],
      cluster,
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.toString().split('\n');
    assert.equal(
      lines[0],
      'bench  type readwrite read:write=0:100 io_size 4096 io_threads 16 bytes 65536 pattern full sequential',
    );
    assert.equal(lines[1], '  SEC       OPS   OPS/SEC   BYTES/SEC');
    assert.match(
      lines.at(-4)!,
      /^elapsed: \d+ {3}ops: 16 {3}ops\/sec: [\d.e+]+ {3}bytes\/sec: [\d.]+ [KMG]?i?B\/s$/,
    );
    assert.match(lines.at(-3)!, /^read_ops: 0 {3}/);
    assert.match(lines.at(-2)!, /^write_ops: 16 {3}/);
    const diff = await run([...C, 'diff', 'img'], cluster);
    assert.equal(diff.stdout.toString(), 'Offset  Length  Type\n0       65536   data\n');
    const big = await run([...C, 'bench', '--io-type', 'read', '--io-size', '2M', 'img'], cluster);
    assert.equal(
      big.stderr,
      'rbd: io-size 2 MiB larger than image size 1 MiB\nbench failed: (22) Invalid argument\n',
    );
    assert.equal(big.code, 22);
  });

  it('children: clones in the trash only with --all; trash ls -l shows their parent', async () => {
    const cluster = fakeClusterWithPool();
    for (const a of [
      ['create', '-s', '4M', 'p'],
      ['snap', 'create', '--no-progress', 'p@s'],
      ['snap', 'protect', 'p@s'],
      ['clone', 'p@s', 'c1'],
      ['clone', 'p@s', 'c2'],
      ['trash', 'mv', 'c2'],
    ]) {
      assert.equal((await run([...C, ...a], cluster)).code, 0, a.join(' '));
    }
    const id = cluster.pools.get('rbd')!.images.values();
    const c2 = [...id].find((i) => i.name === 'c2')!.id;
    assert.equal((await run([...C, 'children', 'p@s'], cluster)).stdout.toString(), 'rbd/c1\n');
    assert.equal(
      (await run([...C, 'children', '--all', 'p@s'], cluster)).stdout.toString(),
      `rbd/c1\nrbd/c2 (trash ${c2})\n`,
    );
    const json = await run([...C, 'children', '-a', 'p@s', '--format', 'json'], cluster);
    assert.equal(
      json.stdout.toString(),
      `[{"pool":"rbd","pool_namespace":"","image":"c1","id":"${[...cluster.pools.get('rbd')!.images.values()].find((i) => i.name === 'c1')!.id}","trash":false},` +
        `{"pool":"rbd","pool_namespace":"","image":"c2","id":"${c2}","trash":true}]\n`,
    );
    const ls = await run([...C, 'trash', 'ls', '-l'], cluster);
    assert.match(ls.stdout.toString(), /\n[0-9a-f]+ +c2 +USER +.* rbd\/p@s\n$/);
  });

  it('export to stdout and import from stdin carry the same bytes; purge keeps protected snapshots', async () => {
    const cluster = fakeClusterWithPool();
    const data = Buffer.alloc(3 << 20);
    for (let i = 0; i < data.length; i += 4096) data[i] = ((i / 4096) % 255) + 1;
    const imp = await run([...C, 'import', '-', 'img'], cluster, { stdin: data });
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal(imp.stderr, '\rImporting image: 100% complete...done.\n');
    const exp = await run([...C, 'export', '--no-progress', 'img', '-'], cluster);
    assert.ok(exp.stdout.equals(data));
    for (const s of ['a', 'b', 'c'])
      await run([...C, 'snap', 'create', '--no-progress', `img@${s}`], cluster);
    await run([...C, 'snap', 'protect', 'img@b'], cluster);
    const purge = await run([...C, 'snap', 'purge', 'img'], cluster);
    assert.equal(
      purge.stdout.toString(),
      "rbd: error removing snapshot(s) 'b', which is protected - these must be unprotected with `rbd snap unprotect`.\n",
    );
    assert.equal(
      purge.stderr,
      '\rRemoving all snapshots: 33% complete...\rRemoving all snapshots: 66% complete...\rRemoving all snapshots: 66% complete...failed.\n',
    );
    assert.equal(purge.code, 0);
  });

  it('a cluster that cannot be reached: "couldn\'t connect", exit with the errno', async () => {
    const cluster = fakeClusterWithPool();
    cluster.connectError = 'ETIMEDOUT';
    const r = await run([...C, 'info', 'img'], cluster);
    assert.equal(r.stderr, "rbd: couldn't connect to the cluster!\n");
    assert.equal(r.code, 110);
    const ls = await run([...C, 'ls'], cluster);
    assert.equal(
      ls.stderr,
      "rbd: couldn't connect to the cluster!\nrbd: listing images failed: (110) Connection timed out\n",
    );
  });
});
