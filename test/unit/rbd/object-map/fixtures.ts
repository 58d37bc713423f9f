/** The real-cluster object-map captures in test/fixtures/rbd-object-map (see its README). */
import { readFileSync } from 'node:fs';

export const FIXTURES = new URL('../../../../../test/fixtures/rbd-object-map/', import.meta.url);

export interface CapturedImage {
  name: string;
  id: string;
  size: number;
  objectSize: number;
  stripeUnit: number;
  stripeCount: number;
  features: string[];
  flags: string[];
  snaps: { id: number; name: string; size: number; flags: string[] }[];
  /** Label (`head` or a snapshot name) → file holding the stored rbd_object_map object. */
  maps: Record<string, string>;
  /** `rbd diff --whole-object` per (from, to): flat [offset, length, exists] triples. */
  diffs: { from: string | null; to: string | null; extents: number[] }[];
}

export function capturedImages(): CapturedImage[] {
  return JSON.parse(readFileSync(new URL('images.json', FIXTURES), 'utf8')) as CapturedImage[];
}

export function capturedMap(file: string): Buffer {
  return readFileSync(new URL(file, FIXTURES));
}
