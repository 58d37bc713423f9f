/**
 * `tsceph <tool> …`: tsceph's own tools and the Ceph debugging tools it
 * re-implements (`monmaptool`, with `osdmaptool` and `crushtool` to come).
 */
import { demoMain } from './demo.js';
import { monmaptoolMain } from './monmaptool.js';

const USAGE = `usage: tsceph <command> [args...]

commands:
  demo                 build a monmap and run a msgr2 session over loopback
  monmaptool ARGS...   Ceph's monmaptool (same arguments and output)`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return demoMain();
    case 'monmaptool':
      return monmaptoolMain(rest);
    case 'osdmaptool':
      return (await import('./osdmaptool.js')).osdmaptoolMain(rest);
    case 'crushtool':
      return (await import('./crushtool.js')).crushtoolMain(rest);
    case '-h':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(USAGE);
      return 22; // EINVAL, as Ceph's tools exit on misuse
  }
}
