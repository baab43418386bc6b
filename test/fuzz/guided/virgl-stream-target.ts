/**
 * Jazzer.js target for the virgl stream decoder: bytes → one guest context's
 * SUBMIT_3D streams → VirglDecoder, with virgl-stream-checks.ts' invariants.
 *
 * Input: a first byte choosing the decoder configuration (bits 0–1) and how
 * far past a dword boundary each stream sits (bits 2–3), then the streams,
 * separated by STREAM_CUT. Several streams per input let a shader's
 * continuation packets land in a later stream, as the guest may send them.
 */
import { virglCapset } from '../../../src/device/virgl-caps.ts';
import { CapsetId } from '../../../src/protocol/constants.ts';
import { decoderConfigFromCaps, type DecoderConfig } from '../../../src/virgl/config.ts';
import { everythingConfig } from '../virgl-fixtures.ts';
import { checkDecoding } from '../virgl-stream-checks.ts';

/** Four bytes no recorded stream contains; mutations that make one elsewhere only cut a stream in two. */
export const STREAM_CUT = Uint8Array.from([0x43, 0x55, 0x54, 0x21]); // "CUT!"

/** A context's config from a capset as the renderer builds it (virgl-renderer.ts: each capset at its version). */
function contextConfig(id: number): DecoderConfig {
  const caps = virglCapset(id, id === CapsetId.VIRGL ? 1 : 2);
  if (!caps) throw new Error(`the device offers no capset ${id}`);
  return decoderConfigFromCaps(caps);
}

/**
 * The device's two capsets, and every command the decoder knows offered (the
 * capsets leave some commands out, whose decoding the fuzzer would then
 * never reach).
 */
export const STREAM_CONFIGS: readonly DecoderConfig[] = [contextConfig(CapsetId.VIRGL), contextConfig(CapsetId.VIRGL2), everythingConfig];
/** Indices into STREAM_CONFIGS. */
export const StreamConfig = { VIRGL: 0, VIRGL2: 1, EVERYTHING: 2 } as const;

export interface StreamInput {
  /** Index into STREAM_CONFIGS. */
  readonly config: number;
  /** 0–3 bytes past a dword boundary. */
  readonly misalign: number;
  readonly streams: readonly Uint8Array[];
}

export function encodeStreamInput({ config, misalign, streams }: StreamInput): Uint8Array {
  const parts = streams.flatMap((s, i) => (i === 0 ? [s] : [STREAM_CUT, s]));
  return Uint8Array.from([(config & 3) | ((misalign & 3) << 2), ...parts.flatMap((p) => [...p])]);
}

export function decodeStreamInput(data: Uint8Array): StreamInput {
  const first = data[0] ?? 0;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const streams: Uint8Array[] = [];
  let from = 1;
  for (let cut = bytes.indexOf(STREAM_CUT, from); cut >= 0; cut = bytes.indexOf(STREAM_CUT, from)) {
    streams.push(data.subarray(from, cut));
    from = cut + STREAM_CUT.length;
  }
  streams.push(data.subarray(Math.min(from, data.length)));
  return { config: (first & 3) % STREAM_CONFIGS.length, misalign: (first >> 2) & 3, streams };
}

/**
 * The shader texts the decoder delivers are not parsed here (the TGSI target
 * does that): parsing them would spend this target's time outside the code
 * it instruments.
 */
export function fuzz(data: Buffer): void {
  const input = decodeStreamInput(data);
  checkDecoding(STREAM_CONFIGS[input.config] as DecoderConfig, input.streams, input.misalign);
}
