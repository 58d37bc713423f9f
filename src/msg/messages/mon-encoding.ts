import { CephError } from '../../common/errors.js';
import type { Decoder } from '../../encoding/decoder.js';
import type { Encoder } from '../../encoding/encoder.js';
import type { MessageHeader } from '../message.js';

/**
 * Refuse a payload whose COMPAT_VERSION says it needs a newer decoder than the
 * HEAD_VERSION we implement (Ceph's decoders would misread it).
 */
export function checkCompat(header: MessageHeader, headVersion: number, typeName: string): void {
  if (header.compatVersion > headVersion) {
    throw new CephError(
      'EBADMSG',
      `${typeName}: compat_version ${header.compatVersion} (v${header.version}) is newer than supported ${headVersion}`,
    );
  }
}

/** Order two strings as Ceph's `std::map<std::string, …>` does: by their UTF-8 bytes. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A map's entries in `std::map` order of their string keys. */
export function sortedByKey<V>(m: ReadonlyMap<string, V>): [string, V][] {
  return [...m.entries()].sort(([a], [b]) => compareUtf8(a, b));
}

/** `std::vector<std::string>`: u32 count then each string. */
export function encodeStringList(e: Encoder, items: readonly string[]): void {
  e.list(items, (x, s) => x.string(s));
}

export function decodeStringList(d: Decoder): string[] {
  return d.list((x) => x.string());
}

/** `std::map<std::string, std::string>` in key order. */
export function encodeStringMap(e: Encoder, m: ReadonlyMap<string, string>): void {
  const entries = sortedByKey(m);
  e.u32(entries.length);
  for (const [k, v] of entries) e.string(k).string(v);
}

export function decodeStringMap(d: Decoder): Map<string, string> {
  return d.map(
    (x) => x.string(),
    (x) => x.string(),
  );
}
