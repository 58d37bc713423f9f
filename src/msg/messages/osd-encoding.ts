import { CephError, isCephError } from '../../common/errors.js';
import type { Decoder } from '../../encoding/decoder.js';
import type { Encoder } from '../../encoding/encoder.js';

/**
 * Run a message decoder so that whatever the bytes, the only failure is a
 * CephError('EBADMSG' or 'EINVAL'): the connection drops the message, the
 * process lives. (The cursor already reports underruns as EBADMSG; this also
 * covers values that overflow a JS number and anything unforeseen.)
 */
export function guardDecode<T>(typeName: string, body: () => T): T {
  try {
    return body();
  } catch (err) {
    if (isCephError(err, 'EBADMSG') || isCephError(err, 'EINVAL')) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new CephError('EBADMSG', `${typeName}: ${why}`, { cause: err });
  }
}

/**
 * `blkin_trace_info`: the Zipkin trace ids a message carries (trace id, span
 * id, parent span id). Pacific encodes it raw, all zeros when the op is not
 * traced — which is always the case for ordinary clients.
 */
export interface BlkinTraceInfo {
  /** `int64_t trace_id`. */
  traceId: bigint;
  /** `int64_t span_id`. */
  spanId: bigint;
  /** `int64_t parent_span_id`. */
  parentSpanId: bigint;
}

export function emptyTrace(): BlkinTraceInfo {
  return { traceId: 0n, spanId: 0n, parentSpanId: 0n };
}

export function encodeTrace(e: Encoder, t: BlkinTraceInfo): void {
  e.i64(t.traceId).i64(t.spanId).i64(t.parentSpanId);
}

export function decodeTrace(d: Decoder): BlkinTraceInfo {
  return { traceId: d.i64(), spanId: d.i64(), parentSpanId: d.i64() };
}

/** `vector<snapid_t>`: u32 count then u64 each. */
export function encodeSnapList(e: Encoder, snaps: readonly bigint[]): void {
  e.u32(snaps.length);
  for (const s of snaps) e.u64(s);
}

export function decodeSnapList(d: Decoder): bigint[] {
  const n = d.u32();
  if (n * 8 > d.remaining)
    throw new CephError('EBADMSG', `decode: ${n} snaps exceed remaining ${d.remaining}`);
  const out = new Array<bigint>(n);
  for (let i = 0; i < n; i++) out[i] = d.u64();
  return out;
}

/** Slice `len` bytes of a data segment at `at`, or fail with EBADMSG (ops claiming more data than was sent). */
export function sliceData(data: Buffer, at: number, len: number, what: string): Buffer {
  if (at + len > data.length) {
    throw new CephError(
      'EBADMSG',
      `${what}: payload_len ${len} at ${at} exceeds data segment ${data.length}`,
    );
  }
  return data.subarray(at, at + len);
}
