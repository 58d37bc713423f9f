/**
 * A closed stdout (`rados ls | head`, `rbd export x - | head`) ends the tool
 * quietly with status 141, as SIGPIPE ends Ceph's own tools.
 */
let stdoutGuarded = false;

export function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
}
