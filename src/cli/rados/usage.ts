/**
 * The text `rados --help` prints (Pacific 16.2.15), in the two parts the real
 * tool writes: the tool's own usage goes to the stream the caller chose
 * (stdout for --help, stderr after a misuse), while the generic client
 * options always go to stdout, as Ceph's `generic_client_usage` does.
 */

/** The tool's own usage, ending with the "GENERIC OPTIONS:" heading. */
export const RADOS_USAGE =
  'usage: rados [options] [commands]\n' +
  'POOL COMMANDS\n' +
  '   lspools                          list pools\n' +
  '   cppool <pool-name> <dest-pool>   copy content of a pool\n' +
  '   purge <pool-name> --yes-i-really-really-mean-it\n' +
  '                                    remove all objects from pool <pool-name> without removing it\n' +
  '   df                               show per-pool and total usage\n' +
  '   ls                               list objects in pool\n' +
  '\n' +
  '\n' +
  'POOL SNAP COMMANDS\n' +
  '   lssnap                           list snaps\n' +
  '   mksnap <snap-name>               create snap <snap-name>\n' +
  '   rmsnap <snap-name>               remove snap <snap-name>\n' +
  '\n' +
  'OBJECT COMMANDS\n' +
  '   get <obj-name> <outfile>         fetch object\n' +
  '   put <obj-name> <infile> [--offset offset]\n' +
  '                                    write object with start offset (default:0)\n' +
  '   append <obj-name> <infile>       append object\n' +
  '   truncate <obj-name> length       truncate object\n' +
  '   create <obj-name>                create object\n' +
  '   rm <obj-name> ... [--force-full] remove object(s), --force-full forces remove when cluster is full\n' +
  '   cp <obj-name> [target-obj]       copy object\n' +
  '   listxattr <obj-name>\n' +
  '   getxattr <obj-name> attr\n' +
  '   setxattr <obj-name> attr val\n' +
  '   rmxattr <obj-name> attr\n' +
  '   stat <obj-name>                  stat the named object\n' +
  '   stat2 <obj-name>                 stat2 the named object (with high precision time)\n' +
  '   touch <obj-name> [timestamp]     change the named object modification time\n' +
  '   mapext <obj-name>\n' +
  '   rollback <obj-name> <snap-name>  roll back object to snap <snap-name>\n' +
  '\n' +
  '   listsnaps <obj-name>             list the snapshots of this object\n' +
  '   bench <seconds> write|seq|rand [-t concurrent_operations] [--no-cleanup] [--run-name run_name] [--no-hints] [--reuse-bench]\n' +
  '                                    default is 16 concurrent IOs and 4 MB ops\n' +
  '                                    default is to clean up after write benchmark\n' +
  "                                    default run-name is 'benchmark_last_metadata'\n" +
  '   cleanup [--run-name run_name] [--prefix prefix]\n' +
  '                                    clean up a previous benchmark operation\n' +
  "                                    default run-name is 'benchmark_last_metadata'\n" +
  '   load-gen [options]               generate load on the cluster\n' +
  '   listomapkeys <obj-name>          list the keys in the object map\n' +
  '   listomapvals <obj-name>          list the keys and vals in the object map \n' +
  '   getomapval <obj-name> <key> [file] show the value for the specified key\n' +
  "                                    in the object's object map\n" +
  '   setomapval <obj-name> <key> <val | --input-file file>\n' +
  '   rmomapkey <obj-name> <key>\n' +
  '   clearomap <obj-name> [obj-name2 obj-name3...] clear all the omap keys for the specified objects\n' +
  '   getomapheader <obj-name> [file]\n' +
  '   setomapheader <obj-name> <val>\n' +
  '   watch <obj-name>                 add watcher on this object\n' +
  '   notify <obj-name> <message>      notify watcher of this object with message\n' +
  '   listwatchers <obj-name>          list the watchers of this object\n' +
  '   set-alloc-hint <obj-name> <expected-object-size> <expected-write-size>\n' +
  '                                    set allocation hint for an object\n' +
  '   set-redirect <object A> --target-pool <caspool> <target object A> [--with-reference]\n' +
  '                                    set redirect target\n' +
  '   set-chunk <object A> <offset> <length> --target-pool <caspool> <target object A> <taget-offset> [--with-reference]\n' +
  '                                    convert an object to chunked object\n' +
  '   tier-promote <obj-name>\t     promote the object to the base tier\n' +
  '   unset-manifest <obj-name>\t     unset redirect or chunked object\n' +
  '   tier-flush <obj-name>\t     flush the chunked object\n' +
  '   tier-evict <obj-name>\t     evict the chunked object\n' +
  '\n' +
  'IMPORT AND EXPORT\n' +
  '   export [filename]\n' +
  '       Serialize pool contents to a file or standard out.\n' +
  '   import [--dry-run] [--no-overwrite] < filename | - >\n' +
  '       Load pool contents from a file or standard in\n' +
  '\n' +
  'ADVISORY LOCKS\n' +
  '   lock list <obj-name>\n' +
  '       List all advisory locks on an object\n' +
  '   lock get <obj-name> <lock-name> [--lock-cookie locker-cookie] [--lock-tag locker-tag] [--lock-description locker-desc] [--lock-duration locker-dur] [--lock-type locker-type]\n' +
  '       Try to acquire a lock\n' +
  '   lock break <obj-name> <lock-name> <locker-name> [--lock-cookie locker-cookie]\n' +
  '       Try to break a lock acquired by another client\n' +
  '   lock info <obj-name> <lock-name>\n' +
  '       Show lock information\n' +
  '   options:\n' +
  '       --lock-tag                   Lock tag, all locks operation should use\n' +
  '                                    the same tag\n' +
  '       --lock-cookie                Locker cookie\n' +
  '       --lock-description           Description of lock\n' +
  '       --lock-duration              Lock duration (in seconds)\n' +
  '       --lock-type                  Lock type (shared, exclusive)\n' +
  '\n' +
  'SCRUB AND REPAIR:\n' +
  '   list-inconsistent-pg <pool>      list inconsistent PGs in given pool\n' +
  '   list-inconsistent-obj <pgid>     list inconsistent objects in given PG\n' +
  '   list-inconsistent-snapset <pgid> list inconsistent snapsets in the given PG\n' +
  '\n' +
  'CACHE POOLS: (for testing/development only)\n' +
  '   cache-flush <obj-name>           flush cache pool object (blocking)\n' +
  '   cache-try-flush <obj-name>       flush cache pool object (non-blocking)\n' +
  '   cache-evict <obj-name>           evict cache pool object\n' +
  '   cache-flush-evict-all            flush+evict all objects\n' +
  '   cache-try-flush-evict-all        try-flush+evict all objects\n' +
  '\n' +
  'GLOBAL OPTIONS:\n' +
  '   --object-locator object_locator\n' +
  '        set object_locator for operation\n' +
  '   -p pool\n' +
  '   --pool=pool\n' +
  '        select given pool by name\n' +
  '   --target-pool=pool\n' +
  '        select target pool by name\n' +
  '   --pgid PG id\n' +
  '        select given PG id\n' +
  '   -f [--format plain|json|json-pretty]\n' +
  '   --format=[--format plain|json|json-pretty]\n' +
  '   -b op_size\n' +
  '        set the block size for put/get ops and for write benchmarking\n' +
  '   -O object_size\n' +
  '        set the object size for put/get ops and for write benchmarking\n' +
  '   --max-objects\n' +
  '        set the max number of objects for write benchmarking\n' +
  '   --obj-name-file file\n' +
  '        use the content of the specified file in place of <obj-name>\n' +
  '   -s name\n' +
  '   --snap name\n' +
  '        select given snap name for (read) IO\n' +
  '   --input-file file\n' +
  '        use the content of the specified file in place of <val>\n' +
  '   --create\n' +
  '        create the pool or directory that was specified\n' +
  '   -N namespace\n' +
  '   --namespace=namespace\n' +
  '        specify the namespace to use for the object\n' +
  '   --all\n' +
  '        Use with ls to list objects in all namespaces\n' +
  '        Put in CEPH_ARGS environment variable to make this the default\n' +
  '   --default\n' +
  '        Use with ls to list objects in default namespace\n' +
  '        Takes precedence over --all in case --all is in environment\n' +
  '   --target-locator\n' +
  '        Use with cp to specify the locator of the new object\n' +
  '   --target-nspace\n' +
  '        Use with cp to specify the namespace of the new object\n' +
  '   --striper\n' +
  '        Use radostriper interface rather than pure rados\n' +
  '        Available for stat, get, put, truncate, rm, ls and \n' +
  '        all xattr related operations\n' +
  '\n' +
  'BENCH OPTIONS:\n' +
  '   -t N\n' +
  '   --concurrent-ios=N\n' +
  '        Set number of concurrent I/O operations\n' +
  '   --show-time\n' +
  '        prefix output with date/time\n' +
  '   --no-verify\n' +
  '        do not verify contents of read objects\n' +
  '   --write-object\n' +
  '        write contents to the objects\n' +
  '   --write-omap\n' +
  '        write contents to the omap\n' +
  '   --write-xattr\n' +
  '        write contents to the extended attributes\n' +
  '\n' +
  'LOAD GEN OPTIONS:\n' +
  '   --num-objects                    total number of objects\n' +
  '   --min-object-size                min object size\n' +
  '   --max-object-size                max object size\n' +
  '   --min-op-len                     min io size of operations\n' +
  '   --max-op-len                     max io size of operations\n' +
  '   --max-ops                        max number of operations\n' +
  '   --max-backlog                    max backlog size\n' +
  '   --read-percent                   percent of operations that are read\n' +
  '   --target-throughput              target throughput (in bytes)\n' +
  '   --run-length                     total time (in seconds)\n' +
  '   --offset-align                   at what boundary to align random op offsets\n' +
  '\n' +
  'CACHE POOLS OPTIONS:\n' +
  '   --with-clones                    include clones when doing flush or evict\n' +
  '\n' +
  'OMAP OPTIONS:\n' +
  '    --omap-key-file file            read the omap key from a file\n' +
  '\n' +
  'GENERIC OPTIONS:\n';

/** `generic_client_usage()`: always written to stdout. */
export const GENERIC_CLIENT_USAGE =
  '  --conf/-c FILE    read configuration from the given configuration file\n' +
  '  --id ID           set ID portion of my name\n' +
  '  --name/-n TYPE.ID set name\n' +
  '  --cluster NAME    set cluster name (default: ceph)\n' +
  "  --setuser USER    set uid to user or uid (and gid to user's gid)\n" +
  '  --setgroup GROUP  set gid to group or gid\n' +
  '  --version         show version and quit\n' +
  '\n';
