/** The commands that do work: clears, draws, blits and copies, inline writes and transfers, queries. */
import { below, between, boolean, exactly, format, level, nonZero, NOT_OFFERED, type Reason } from './checks.ts';
import type { BlitInfo, BlitSide, ByteSpan, ClearSurfaceInfo, CopyRegion as CopyRegionArgs, CopyTransfer3d as CopyTransferArgs, DrawInfo, Transfer3d as TransferArgs, TransferRegion, VirglSink } from './commands.ts';
import type { DecoderConfig } from './config.ts';
import type { Cursor } from './cursor.ts';
import type { CommandEntry, DecodeEnv } from './entry.ts';
import {
  Blit,
  BLIT_MASK_ALL,
  Clear,
  ClearBits,
  ClearSurface,
  ClearTexture,
  Command,
  CopyRegion,
  CopyTransfer3d,
  Draw,
  field,
  flag,
  InlineWrite,
  MAX_COMMAND_DWORDS,
  PRIM_MODE_COUNT,
  QueryCommand,
  Scissor,
  TEX_FILTER_COUNT,
  Transfer3d,
  TransferDirection,
} from './protocol.ts';
import { box, colorValue, readBox, readColor, readTransferRegion, transferRegion, type Mutable } from './scratch.ts';

const clearColor = colorValue();

function clear(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const buffers = c.u(Clear.BUFFERS);
  if (buffers >>> (ClearBits.COLOR0_SHIFT + env.config.maxRenderTargets) !== 0) return `buffers 0x${buffers.toString(16)} name colour buffers past the ${env.config.maxRenderTargets} the device offers`;
  readColor(c, Clear.COLOR0, clearColor);
  sink.clear(buffers, clearColor, c.f64(Clear.DEPTH), c.u(Clear.STENCIL));
  return null;
}

const draw: DrawInfo = {
  start: 0,
  count: 0,
  mode: 0,
  indexed: false,
  instanceCount: 0,
  indexBias: 0,
  startInstance: 0,
  primitiveRestart: false,
  restartIndex: 0,
  minIndex: 0,
  maxIndex: 0,
  countFromStreamOutput: 0,
};

function drawReason(mode: number, indexed: number, restart: number, startInstance: number, config: DecoderConfig): Reason | null {
  return (
    below(mode, PRIM_MODE_COUNT, 'primitive mode') ??
    (((config.primModes >>> mode) & 1) === 1 ? null : `primitive mode ${mode}: ${NOT_OFFERED}`) ??
    boolean(indexed, 'indexed') ??
    boolean(restart, 'primitive restart') ??
    (startInstance === 0 || config.startInstance ? null : `start instance ${startInstance}: base instances are not offered`)
  );
}

function drawVbo(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const mode = c.u(Draw.MODE);
  const indexed = c.u(Draw.INDEXED);
  const restart = c.u(Draw.PRIMITIVE_RESTART);
  const startInstance = c.u(Draw.START_INSTANCE);
  const reason = drawReason(mode, indexed, restart, startInstance, env.config);
  if (reason !== null) return reason;
  draw.start = c.u(Draw.START);
  draw.count = c.u(Draw.COUNT);
  draw.mode = mode;
  draw.indexed = indexed === 1;
  draw.instanceCount = c.u(Draw.INSTANCE_COUNT);
  draw.indexBias = c.i(Draw.INDEX_BIAS);
  draw.startInstance = startInstance;
  draw.primitiveRestart = restart === 1;
  draw.restartIndex = c.u(Draw.RESTART_INDEX);
  draw.minIndex = c.u(Draw.MIN_INDEX);
  draw.maxIndex = c.u(Draw.MAX_INDEX);
  draw.countFromStreamOutput = c.u(Draw.COUNT_FROM_SO);
  sink.drawVbo(draw);
  return null;
}

function regionReason(region: TransferRegion): Reason | null {
  const b = region.box;
  return (
    nonZero(region.resource, 'resource') ??
    level(region.level, 'level') ??
    (b.width === 0 || b.height === 0 || b.depth === 0 ? `empty box ${b.width}x${b.height}x${b.depth}` : null)
  );
}

const inlineRegion = transferRegion();
const inlineData: Mutable<ByteSpan> = { bytes: new Uint8Array(0), start: 0, length: 0 };

function resourceInlineWrite(c: Cursor, sink: VirglSink): Reason | null {
  readTransferRegion(c, inlineRegion);
  const reason = regionReason(inlineRegion);
  if (reason !== null) return reason;
  inlineData.bytes = c.u8;
  inlineData.start = c.dword(InlineWrite.DATA) * 4;
  inlineData.length = (c.length - InlineWrite.HEADER) * 4;
  sink.resourceInlineWrite(inlineRegion, inlineData);
  return null;
}

const transfer: Mutable<TransferArgs> = { ...transferRegion(), dataOffset: 0, toHost: false };

function transfer3d(c: Cursor, sink: VirglSink): Reason | null {
  readTransferRegion(c, transfer);
  const direction = c.u(Transfer3d.DIRECTION);
  const reason = regionReason(transfer) ?? (direction === TransferDirection.TO_HOST || direction === TransferDirection.FROM_HOST ? null : `direction ${direction}`);
  if (reason !== null) return reason;
  transfer.dataOffset = c.u(Transfer3d.DATA_OFFSET);
  transfer.toHost = direction === TransferDirection.TO_HOST;
  sink.transfer3d(transfer);
  return null;
}

const copyTransfer: Mutable<CopyTransferArgs> = { ...transferRegion(), srcResource: 0, srcOffset: 0, synchronized: false, readFromHost: false };

function copyTransfer3d(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  readTransferRegion(c, copyTransfer);
  const flags = c.u(CopyTransfer3d.FLAGS);
  copyTransfer.srcResource = c.u(CopyTransfer3d.SRC_RESOURCE);
  copyTransfer.srcOffset = c.u(CopyTransfer3d.SRC_OFFSET);
  copyTransfer.synchronized = flag(flags, CopyTransfer3d.SYNCHRONIZED);
  copyTransfer.readFromHost = flag(flags, CopyTransfer3d.READ_FROM_HOST);
  const reason =
    regionReason(copyTransfer) ??
    nonZero(copyTransfer.srcResource, 'source resource') ??
    (flags >>> 2 === 0 ? null : `flags 0x${flags.toString(16)}`) ??
    (copyTransfer.readFromHost && !env.config.copyTransferFromHost ? 'copy transfers from the host are not offered' : null);
  if (reason !== null) return reason;
  sink.copyTransfer3d(copyTransfer);
  return null;
}

const blitSide = (): BlitSide => ({ resource: 0, level: 0, format: 0, box: box() });
const blitInfo: BlitInfo = {
  mask: 0,
  filter: 0,
  scissorEnable: false,
  renderConditionEnable: false,
  alphaBlend: false,
  scissor: { minX: 0, minY: 0, maxX: 0, maxY: 0 },
  dst: blitSide(),
  src: blitSide(),
};

interface SideNames {
  readonly resource: string;
  readonly level: string;
  readonly format: string;
}
const DST: SideNames = { resource: 'destination resource', level: 'destination level', format: 'destination format' };
const SRC: SideNames = { resource: 'source resource', level: 'source level', format: 'source format' };

function readBlitSide(c: Cursor, first: number, into: BlitSide, names: SideNames): Reason | null {
  into.resource = c.u(first + Blit.RESOURCE);
  into.level = c.u(first + Blit.LEVEL);
  into.format = c.u(first + Blit.FORMAT);
  readBox(c, first + Blit.BOX, into.box, true);
  return nonZero(into.resource, names.resource) ?? level(into.level, names.level) ?? format(into.format, names.format);
}

function blit(c: Cursor, sink: VirglSink): Reason | null {
  const b = blitInfo;
  const s0 = c.u(Blit.S0);
  b.mask = field(s0, Blit.S0_MASK);
  b.filter = field(s0, Blit.S0_FILTER);
  const reason =
    ((b.mask & ~BLIT_MASK_ALL) === 0 ? null : `mask 0x${b.mask.toString(16)}`) ??
    below(b.filter, TEX_FILTER_COUNT, 'filter') ??
    readBlitSide(c, Blit.DST, b.dst, DST) ??
    readBlitSide(c, Blit.SRC, b.src, SRC);
  if (reason !== null) return reason;
  b.scissorEnable = flag(s0, Blit.S0_SCISSOR_ENABLE);
  b.renderConditionEnable = flag(s0, Blit.S0_RENDER_CONDITION_ENABLE);
  b.alphaBlend = flag(s0, Blit.S0_ALPHA_BLEND);
  const min = c.u(Blit.SCISSOR_MIN);
  const max = c.u(Blit.SCISSOR_MAX);
  b.scissor.minX = field(min, Scissor.LOW);
  b.scissor.minY = field(min, Scissor.HIGH);
  b.scissor.maxX = field(max, Scissor.LOW);
  b.scissor.maxY = field(max, Scissor.HIGH);
  sink.blit(b);
  return null;
}

const copyRegion: CopyRegionArgs = { dstResource: 0, dstLevel: 0, dstX: 0, dstY: 0, dstZ: 0, srcResource: 0, srcLevel: 0, srcBox: box() };

function resourceCopyRegion(c: Cursor, sink: VirglSink): Reason | null {
  const r = copyRegion;
  r.dstResource = c.u(CopyRegion.DST_RESOURCE);
  r.dstLevel = c.u(CopyRegion.DST_LEVEL);
  r.srcResource = c.u(CopyRegion.SRC_RESOURCE);
  r.srcLevel = c.u(CopyRegion.SRC_LEVEL);
  const reason = nonZero(r.dstResource, 'destination resource') ?? level(r.dstLevel, 'destination level') ?? nonZero(r.srcResource, 'source resource') ?? level(r.srcLevel, 'source level');
  if (reason !== null) return reason;
  r.dstX = c.u(CopyRegion.DST_X);
  r.dstY = c.u(CopyRegion.DST_Y);
  r.dstZ = c.u(CopyRegion.DST_Z);
  readBox(c, CopyRegion.SRC_X, r.srcBox, false);
  sink.resourceCopyRegion(r);
  return null;
}

const clearTextureBox = box();
const clearTextureData = colorValue();

function clearTexture(c: Cursor, sink: VirglSink): Reason | null {
  const resource = c.u(ClearTexture.RESOURCE);
  const textureLevel = c.u(ClearTexture.LEVEL);
  const reason = nonZero(resource, 'resource') ?? level(textureLevel, 'level');
  if (reason !== null) return reason;
  readBox(c, ClearTexture.BOX, clearTextureBox, false);
  readColor(c, ClearTexture.DATA, clearTextureData);
  sink.clearTexture(resource, textureLevel, clearTextureBox, clearTextureData);
  return null;
}

const clearSurfaceInfo: ClearSurfaceInfo = { surface: 0, buffers: 0, renderConditionEnable: false, value: colorValue(), x: 0, y: 0, width: 0, height: 0 };

function clearSurface(c: Cursor, sink: VirglSink): Reason | null {
  const s = clearSurfaceInfo;
  const s0 = c.u(ClearSurface.S0);
  s.surface = c.u(ClearSurface.HANDLE);
  s.buffers = field(s0, ClearSurface.S0_BUFFERS);
  const reason = nonZero(s.surface, 'surface') ?? nonZero(s.buffers, 'buffers');
  if (reason !== null) return reason;
  s.renderConditionEnable = flag(s0, ClearSurface.S0_RENDER_CONDITION);
  readColor(c, ClearSurface.COLOR0, s.value);
  s.x = c.u(ClearSurface.X);
  s.y = c.u(ClearSurface.Y);
  s.width = c.u(ClearSurface.WIDTH);
  s.height = c.u(ClearSurface.HEIGHT);
  sink.clearSurface(s);
  return null;
}

type QueryCall = (sink: VirglSink, handle: number) => void;

/** BEGIN_QUERY and END_QUERY: a query handle, nothing else. */
function queryHandle(call: QueryCall): CommandEntry {
  return {
    length: exactly(1),
    decode: (c, sink) => {
      const handle = c.u(QueryCommand.HANDLE);
      if (handle === 0) return 'query is 0';
      call(sink, handle);
      return null;
    },
  };
}

function getQueryResult(c: Cursor, sink: VirglSink): Reason | null {
  const handle = c.u(QueryCommand.HANDLE);
  const wait = c.u(QueryCommand.WAIT);
  const reason = nonZero(handle, 'query') ?? boolean(wait, 'wait');
  if (reason !== null) return reason;
  sink.getQueryResult(handle, wait === 1);
  return null;
}

export function workCommands(): Partial<Record<Command, CommandEntry>> {
  return {
    [Command.CLEAR]: { length: exactly(Clear.SIZE), decode: clear },
    [Command.DRAW_VBO]: { length: exactly(Draw.SIZE), decode: drawVbo },
    [Command.RESOURCE_INLINE_WRITE]: { length: between(InlineWrite.HEADER + 1, MAX_COMMAND_DWORDS), decode: resourceInlineWrite },
    [Command.TRANSFER3D]: { length: exactly(Transfer3d.SIZE), decode: transfer3d },
    [Command.COPY_TRANSFER3D]: { length: exactly(CopyTransfer3d.SIZE), decode: copyTransfer3d },
    [Command.BLIT]: { length: exactly(Blit.SIZE), decode: blit },
    [Command.RESOURCE_COPY_REGION]: { length: exactly(CopyRegion.SIZE), decode: resourceCopyRegion },
    [Command.CLEAR_TEXTURE]: { length: exactly(ClearTexture.SIZE), decode: clearTexture },
    [Command.CLEAR_SURFACE]: { length: exactly(ClearSurface.SIZE), decode: clearSurface },
    [Command.BEGIN_QUERY]: queryHandle((sink, handle) => sink.beginQuery(handle)),
    [Command.END_QUERY]: queryHandle((sink, handle) => sink.endQuery(handle)),
    [Command.GET_QUERY_RESULT]: { length: exactly(QueryCommand.RESULT_SIZE), decode: getQueryResult },
  };
}
