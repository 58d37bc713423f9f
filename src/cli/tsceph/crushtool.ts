/**
 * `tsceph crushtool`: Ceph's crushtool (work in progress).
 */
export async function crushtoolMain(_argv: string[]): Promise<number> {
  process.stderr.write('crushtool: not implemented yet\n');
  return 1;
}
