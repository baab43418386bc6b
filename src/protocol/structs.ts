/** Every virtio-gpu request and response struct, as declared by the virtio 1.3 spec (5.7.6). */
import { array, bytes, pad, struct, u32, u64, u64big, u8, type ValueOf } from './codec.ts';
import { CONTEXT_DEBUG_NAME_SIZE, EDID_BLOB_SIZE, HeaderFlag, MAX_SCANOUTS, ResponseType } from './constants.ts';

export const CtrlHeader = struct([
  ['type', u32],
  ['flags', u32],
  ['fenceId', u64big],
  ['ctxId', u32],
  ['ringIdx', u8],
  ['padding', pad(3)],
]);
export type CtrlHeader = ValueOf<typeof CtrlHeader>;

/**
 * Whether the driver may be waiting for this answer: it signals a fence,
 * carries data, or reports an error. Linux never waits on a plain OK_NODATA
 * without a fence (transfers, flushes, cursor updates): it only reclaims them.
 */
export function driverAwaits(response: Uint8Array): boolean {
  if (response.length < CtrlHeader.size) return true;
  return responseTypeOf(response) !== ResponseType.OK_NODATA || (u32.read(response, CtrlHeader.offsets.flags as number, 0) & HeaderFlag.FENCE) !== 0;
}

/** The type in a response's header. */
export function responseTypeOf(response: Uint8Array): number {
  return u32.read(response, CtrlHeader.offsets.type as number, 0);
}

export const Rect = struct([
  ['x', u32],
  ['y', u32],
  ['width', u32],
  ['height', u32],
]);
export type Rect = ValueOf<typeof Rect>;

export const Box = struct([
  ['x', u32],
  ['y', u32],
  ['z', u32],
  ['w', u32],
  ['h', u32],
  ['d', u32],
]);
export type Box = ValueOf<typeof Box>;

export const DisplayOne = struct([
  ['r', Rect],
  ['enabled', u32],
  ['flags', u32],
]);

export const RespDisplayInfo = struct([
  ['hdr', CtrlHeader],
  ['pmodes', array(DisplayOne, MAX_SCANOUTS)],
]);

export const GetEdid = struct([
  ['hdr', CtrlHeader],
  ['scanout', u32],
  ['padding', pad(4)],
]);

export const RespEdid = struct([
  ['hdr', CtrlHeader],
  ['size', u32],
  ['padding', pad(4)],
  ['edid', bytes(EDID_BLOB_SIZE)],
]);

export const ResourceCreate2d = struct([
  ['hdr', CtrlHeader],
  ['resourceId', u32],
  ['format', u32],
  ['width', u32],
  ['height', u32],
]);

/** Shared by RESOURCE_UNREF, RESOURCE_DETACH_BACKING, RESOURCE_ASSIGN_UUID, CTX_ATTACH/DETACH_RESOURCE, RESOURCE_UNMAP_BLOB. */
export const ResourceOnly = struct([
  ['hdr', CtrlHeader],
  ['resourceId', u32],
  ['padding', pad(4)],
]);

export const SetScanout = struct([
  ['hdr', CtrlHeader],
  ['r', Rect],
  ['scanoutId', u32],
  ['resourceId', u32],
]);

export const ResourceFlush = struct([
  ['hdr', CtrlHeader],
  ['r', Rect],
  ['resourceId', u32],
  ['padding', pad(4)],
]);

export const TransferToHost2d = struct([
  ['hdr', CtrlHeader],
  ['r', Rect],
  ['offset', u64],
  ['resourceId', u32],
  ['padding', pad(4)],
]);

export const ResourceAttachBacking = struct([
  ['hdr', CtrlHeader],
  ['resourceId', u32],
  ['nrEntries', u32],
]);

export const MemEntry = struct([
  ['addr', u64],
  ['length', u32],
  ['padding', pad(4)],
]);
export type MemEntry = ValueOf<typeof MemEntry>;

export const GetCapsetInfo = struct([
  ['hdr', CtrlHeader],
  ['capsetIndex', u32],
  ['padding', pad(4)],
]);

export const RespCapsetInfo = struct([
  ['hdr', CtrlHeader],
  ['capsetId', u32],
  ['capsetMaxVersion', u32],
  ['capsetMaxSize', u32],
  ['padding', pad(4)],
]);

export const GetCapset = struct([
  ['hdr', CtrlHeader],
  ['capsetId', u32],
  ['capsetVersion', u32],
]);

/** A request or response that is its header alone (GET_DISPLAY_INFO, CTX_DESTROY, OK_NODATA, errors). */
export const HeaderOnly = struct([['hdr', CtrlHeader]]);

/** Followed by the capset's bytes. */
export const RespCapset = HeaderOnly;

export const RespResourceUuid = struct([
  ['hdr', CtrlHeader],
  ['uuid', bytes(16)],
]);

/** Followed by `nrEntries` MemEntry structs. */
export const ResourceCreateBlob = struct([
  ['hdr', CtrlHeader],
  ['resourceId', u32],
  ['blobMem', u32],
  ['blobFlags', u32],
  ['nrEntries', u32],
  ['blobId', u64big],
  ['size', u64],
]);

export const SetScanoutBlob = struct([
  ['hdr', CtrlHeader],
  ['r', Rect],
  ['scanoutId', u32],
  ['resourceId', u32],
  ['width', u32],
  ['height', u32],
  ['format', u32],
  ['padding', pad(4)],
  ['strides', array(u32, 4)],
  ['offsets', array(u32, 4)],
]);

export const CtxCreate = struct([
  ['hdr', CtrlHeader],
  ['nlen', u32],
  ['contextInit', u32],
  ['debugName', bytes(CONTEXT_DEBUG_NAME_SIZE)],
]);

export const ResourceCreate3d = struct([
  ['hdr', CtrlHeader],
  ['resourceId', u32],
  ['target', u32],
  ['format', u32],
  ['bind', u32],
  ['width', u32],
  ['height', u32],
  ['depth', u32],
  ['arraySize', u32],
  ['lastLevel', u32],
  ['nrSamples', u32],
  ['flags', u32],
  ['padding', pad(4)],
]);

/** TRANSFER_TO_HOST_3D and TRANSFER_FROM_HOST_3D. */
export const TransferHost3d = struct([
  ['hdr', CtrlHeader],
  ['box', Box],
  ['offset', u64],
  ['resourceId', u32],
  ['level', u32],
  ['stride', u32],
  ['layerStride', u32],
]);

/** Followed by `size` bytes of command stream. */
export const CmdSubmit = struct([
  ['hdr', CtrlHeader],
  ['size', u32],
  ['numInFences', u32],
]);

export const ResourceMapBlob = struct([
  ['hdr', CtrlHeader],
  ['resourceId', u32],
  ['padding', pad(4)],
  ['offset', u64],
]);

export const RespMapInfo = struct([
  ['hdr', CtrlHeader],
  ['mapInfo', u32],
  ['padding', pad(4)],
]);

export const CursorPos = struct([
  ['scanoutId', u32],
  ['x', u32],
  ['y', u32],
  ['padding', pad(4)],
]);

/** UPDATE_CURSOR and MOVE_CURSOR. */
export const UpdateCursor = struct([
  ['hdr', CtrlHeader],
  ['pos', CursorPos],
  ['resourceId', u32],
  ['hotX', u32],
  ['hotY', u32],
  ['padding', pad(4)],
]);

/** Device configuration space (virtio_gpu_config). */
export const DeviceConfigLayout = struct([
  ['eventsRead', u32],
  ['eventsClear', u32],
  ['numScanouts', u32],
  ['numCapsets', u32],
]);
