/**
 * The invariants of the virgl stream decoder (src/virgl/decoder.ts), checked
 * on one context's streams: by the property fuzzer (virgl-stream-fuzz.ts,
 * which lists them) and by the guided one (guided/virgl-stream-target.ts).
 */
import type { VirglSink } from '../../src/virgl/commands.ts';
import type { DecoderConfig } from '../../src/virgl/config.ts';
import { VirglDecoder, type DecodeError } from '../../src/virgl/decoder.ts';
import { Command as C, Header, ShaderStage } from '../../src/virgl/protocol.ts';
import { fail } from './fail.ts';
import { bytesOf, cmd, shaderPackets } from './virgl-fixtures.ts';

export const dwordsOf = (bytes: Uint8Array): Uint32Array => new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~3)));

/** The dword index of each command header the decoder meets, walking as it does. */
export function boundaries(stream: Uint8Array): number[] {
  const words = dwordsOf(stream);
  const out: number[] = [];
  for (let at = 0; at < words.length; at += 1 + Header.length(words[at] as number)) out.push(at);
  return out;
}

interface Delivered {
  calls: number;
  texts: Uint8Array[];
  problems: string[];
}

function isSpan(value: unknown): value is { readonly start: number } & ({ readonly u32: Uint32Array; readonly count: number } | { readonly bytes: Uint8Array; readonly length: number }) {
  return typeof value === 'object' && value !== null && 'start' in value && (('u32' in value && 'count' in value) || 'bytes' in value);
}

/**
 * Records every call, checking that spans lie in the payload of one command
 * (`starts`: the commands' header dwords) and that their views lie in
 * `stream`'s place in its buffer (the decoder's aligned copy of a misaligned
 * stream has no place there and is checked by length).
 */
function checkingSink(stream: Uint8Array, config: DecoderConfig, starts: readonly number[], into: Delivered): VirglSink {
  const dwords = stream.length >>> 2;
  const checkArg = (method: string, arg: unknown, next: unknown) => {
    if (isSpan(arg)) {
      const view = 'u32' in arg ? arg.u32 : arg.bytes;
      const scale = 'u32' in arg ? 4 : 1;
      const first = arg.start * scale;
      const end = first + ('u32' in arg ? arg.count : arg.length) * scale;
      let command = -1;
      while (command + 1 < starts.length && (starts[command + 1] as number) * 4 < first) command++;
      const header = starts[command] ?? -1;
      const commandEnd = (starts[command + 1] ?? dwords) * 4;
      if (header < 0 || end > commandEnd || end > view.byteLength) into.problems.push(`${method}: bytes ${first}..${end} of the stream, past the command at dword ${header} (ends at byte ${commandEnd})`);
      const inside = view.byteOffset + view.byteLength <= stream.byteOffset + stream.length && view.byteOffset >= stream.byteOffset;
      if (view.byteLength > stream.length || (view.buffer === stream.buffer && !inside)) into.problems.push(`${method}: view at byte ${view.byteOffset}+${view.byteLength}, stream at ${stream.byteOffset}+${stream.length}`);
    } else if ((ArrayBuffer.isView(arg) || Array.isArray(arg)) && typeof next === 'number' && next > (arg as ArrayLike<unknown>).length) {
      into.problems.push(`${method}: count ${next} for an array of ${(arg as ArrayLike<unknown>).length}`);
    }
  };
  return new Proxy({} as VirglSink, {
    get: (_target, property) => (...args: unknown[]) => {
      const method = String(property);
      into.calls++;
      args.forEach((arg, i) => checkArg(method, arg, args[i + 1]));
      if (method === 'createShader') {
        const text = args[2] as Uint8Array;
        if (text.length >= config.maxShaderBytes || text.some((b) => b === 0 || b > 0x7f)) into.problems.push(`createShader: ${text.length} bytes of text, not all 7-bit`);
        into.texts.push(text.slice());
      }
    },
  });
}

/** `bytes` at `misalign` bytes into a buffer whose bytes after them say "read past the end" if misread. */
function placed(bytes: Uint8Array, misalign: number): Uint8Array {
  const buffer = new Uint8Array(misalign + bytes.length + 64).fill(0xa5);
  buffer.set(bytes, misalign);
  return buffer.subarray(misalign, misalign + bytes.length);
}

function checkStream(decoder: VirglDecoder, stream: Uint8Array, config: DecoderConfig, into: Delivered): void {
  const before = into.calls;
  const starts = boundaries(stream);
  let error: DecodeError | null;
  try {
    error = decoder.decode(stream, checkingSink(stream, config, starts, into));
  } catch (e) {
    fail(`decode threw: ${String(e)}`);
  }
  if (into.problems.length) fail(into.problems.join('; '));
  const calls = into.calls - before;
  const dwords = stream.length >>> 2;
  if (error === null) {
    if (calls > starts.length) fail(`${calls} sink calls for ${starts.length} commands`);
    if (stream.length % 4 !== 0) fail(`${stream.length % 4} bytes after the last dword went unremarked`);
    return;
  }
  const { offset, command, reason } = error;
  if (reason.startsWith('threw:')) fail(`the decoder threw inside: ${command} at byte ${offset}: ${reason}`);
  if (!command || !reason) fail(`an error without a command or reason: ${JSON.stringify(error)}`);
  const failed = starts.indexOf(offset / 4);
  if (failed < 0 && offset !== dwords * 4) fail(`error at byte ${offset}, not a command boundary of a ${stream.length}-byte stream`);
  const commandsBefore = failed < 0 ? starts.length : failed;
  if (calls > commandsBefore) fail(`${calls} sink calls for the ${commandsBefore} commands before ${command} at byte ${offset} (${reason})`);
}

/** Stateless commands and a shader whole in one packet: decodable after anything a context has seen. */
const HEALTH_TEXT = 'FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {1.0000, 0.0000, 0.0000, 1.0000}\n  0: MOV OUT[0], IMM[0]\n  1: END\n';
const HEALTH_HANDLE = 0x7fff_0001;
const HEALTH = bytesOf([...cmd(C.SET_SAMPLE_MASK, 0, 0x1234), ...(shaderPackets(HEALTH_HANDLE, ShaderStage.FRAGMENT, HEALTH_TEXT, 1 << 16)[0] as number[])]);

/**
 * Decodes `streams` in turn with one decoder under `config`, each placed
 * `misalign` bytes past a dword boundary, checking every invariant, then the
 * health stream; returns the shader texts the sink was handed.
 */
export function checkDecoding(config: DecoderConfig, streams: readonly Uint8Array[], misalign: number): Uint8Array[] {
  const decoder = new VirglDecoder(config);
  const delivered: Delivered = { calls: 0, texts: [], problems: [] };
  for (const s of streams) checkStream(decoder, placed(s, misalign), config, delivered);
  const carried = streams.reduce((sum, s) => sum + s.length, 0);
  const textBytes = delivered.texts.reduce((sum, t) => sum + t.length, 0);
  if (textBytes > carried) fail(`${textBytes} bytes of shader text from ${carried} bytes of streams`);

  const health: Delivered = { calls: 0, texts: [], problems: [] };
  const error = decoder.decode(HEALTH, checkingSink(HEALTH, config, boundaries(HEALTH), health));
  if (error !== null || health.calls !== 2 || Buffer.from(health.texts[0] ?? []).toString('latin1') !== HEALTH_TEXT) {
    fail(`health check: ${error ? `${error.command} at byte ${error.offset}: ${error.reason}` : `${health.calls} calls, text ${JSON.stringify(Buffer.from(health.texts[0] ?? []).toString('latin1'))}`}`);
  }
  return delivered.texts;
}
