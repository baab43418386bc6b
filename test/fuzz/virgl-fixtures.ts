/** The virgl decoder's test inputs: the device's configuration, one with every decodable command offered, the recorded streams of test/fixtures/virgl, and builders of streams. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { virglCapset } from '../../src/device/virgl-caps.ts';
import { CapsetId } from '../../src/protocol/constants.ts';
import { decoderConfigFromCaps } from '../../src/virgl/config.ts';
import { Command as C, Header, ObjectType as O } from '../../src/virgl/protocol.ts';

export const VIRGL_FIXTURES = fileURLToPath(new URL('../fixtures/virgl', import.meta.url));

export const deviceCaps = virglCapset(CapsetId.VIRGL2, 2)!;
export const deviceConfig = decoderConfigFromCaps(deviceCaps);

/** The device's caps with more switched on. */
export function capsWith(patch: (v: DataView) => void): Uint8Array {
  const bytes = deviceCaps.slice();
  patch(new DataView(bytes.buffer));
  return bytes;
}
export const setBits = (v: DataView, offset: number, bits: number): void => v.setUint32(offset, (v.getUint32(offset, true) | bits) >>> 0, true);
export const BSET = 260, CAPABILITY_BITS = 392, FEATURE_LEVEL = 556, CAPABILITY_BITS_V2 = 688;

/** Every command the decoder can decode offered. */
export const everythingConfig = decoderConfigFromCaps(
  capsWith((v) => {
    setBits(v, BSET, (1 << 4) | (1 << 5)); // conditional render, start instance
    setBits(v, CAPABILITY_BITS, (1 << 1) | (1 << 17) | (1 << 26) | (1 << 28) | (1 << 30) | (1 << 31)); // texture view, transfer, copy transfer, tweaks, clear texture, buffer storage
    v.setUint32(FEATURE_LEVEL, 21, true);
    setBits(v, CAPABILITY_BITS_V2, (1 << 6) | (1 << 7)); // implicit MSAA, copy transfers from the host
  }),
);

/** A fixture's submits, in order (each stored as a u32 length and its bytes). */
export function submits(file: string): Uint8Array[] {
  const bytes = readFileSync(join(VIRGL_FIXTURES, file));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 4 + view.getUint32(at, true)) out.push(bytes.subarray(at + 4, at + 4 + view.getUint32(at, true)));
  return out;
}

export const fixtureFiles = (): string[] => readdirSync(VIRGL_FIXTURES).filter((f) => f.endsWith('.bin')).sort();

// ---- building streams

export const cmd = (command: number, objectType: number, ...fields: number[]): number[] => [Header.encode(command, objectType, fields.length), ...fields];
export const bytesOf = (dwords: readonly number[]): Uint8Array => new Uint8Array(new Uint32Array(dwords).buffer);

/** ASCII text, its NUL, and padding to whole dwords. */
export function textDwords(text: string): number[] {
  const bytes = new Uint8Array(Math.ceil((text.length + 1) / 4) * 4);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return [...new Uint32Array(bytes.buffer)];
}

/** A shader's packets: the first carries `chunk` dwords of text, each continuation the next `chunk`. */
export function shaderPackets(handle: number, stage: number, text: string, chunk: number, tokens = 8): number[][] {
  const all = textDwords(text);
  const packets = [cmd(C.CREATE_OBJECT, O.SHADER, handle, stage, text.length + 1, tokens, 0, ...all.slice(0, chunk))];
  for (let at = chunk; at < all.length; at += chunk) packets.push(cmd(C.CREATE_OBJECT, O.SHADER, handle, stage, (at * 4) | 0x8000_0000, tokens, 0, ...all.slice(at, at + chunk)));
  return packets;
}
