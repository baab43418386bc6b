/** Numbers of the virtio-gpu protocol (virtio 1.3, section 5.7). */

export const CommandType = {
  GET_DISPLAY_INFO: 0x0100,
  RESOURCE_CREATE_2D: 0x0101,
  RESOURCE_UNREF: 0x0102,
  SET_SCANOUT: 0x0103,
  RESOURCE_FLUSH: 0x0104,
  TRANSFER_TO_HOST_2D: 0x0105,
  RESOURCE_ATTACH_BACKING: 0x0106,
  RESOURCE_DETACH_BACKING: 0x0107,
  GET_CAPSET_INFO: 0x0108,
  GET_CAPSET: 0x0109,
  GET_EDID: 0x010a,
  RESOURCE_ASSIGN_UUID: 0x010b,
  RESOURCE_CREATE_BLOB: 0x010c,
  SET_SCANOUT_BLOB: 0x010d,

  CTX_CREATE: 0x0200,
  CTX_DESTROY: 0x0201,
  CTX_ATTACH_RESOURCE: 0x0202,
  CTX_DETACH_RESOURCE: 0x0203,
  RESOURCE_CREATE_3D: 0x0204,
  TRANSFER_TO_HOST_3D: 0x0205,
  TRANSFER_FROM_HOST_3D: 0x0206,
  SUBMIT_3D: 0x0207,
  RESOURCE_MAP_BLOB: 0x0208,
  RESOURCE_UNMAP_BLOB: 0x0209,

  UPDATE_CURSOR: 0x0300,
  MOVE_CURSOR: 0x0301,
} as const;
export type CommandType = (typeof CommandType)[keyof typeof CommandType];

export const ResponseType = {
  OK_NODATA: 0x1100,
  OK_DISPLAY_INFO: 0x1101,
  OK_CAPSET_INFO: 0x1102,
  OK_CAPSET: 0x1103,
  OK_EDID: 0x1104,
  OK_RESOURCE_UUID: 0x1105,
  OK_MAP_INFO: 0x1106,

  ERR_UNSPEC: 0x1200,
  ERR_OUT_OF_MEMORY: 0x1201,
  ERR_INVALID_SCANOUT_ID: 0x1202,
  ERR_INVALID_RESOURCE_ID: 0x1203,
  ERR_INVALID_CONTEXT_ID: 0x1204,
  ERR_INVALID_PARAMETER: 0x1205,
} as const;
export type ResponseType = (typeof ResponseType)[keyof typeof ResponseType];
export type ErrorResponseType = Extract<ResponseType, 0x1200 | 0x1201 | 0x1202 | 0x1203 | 0x1204 | 0x1205>;

export const HeaderFlag = {
  FENCE: 1 << 0,
  INFO_RING_IDX: 1 << 1,
} as const;

/** Device feature bits (virtio-gpu specific, bit numbers). */
export const Feature = {
  VIRGL: 0,
  EDID: 1,
  RESOURCE_UUID: 2,
  RESOURCE_BLOB: 3,
  CONTEXT_INIT: 4,
} as const;

export const Event = {
  DISPLAY: 1 << 0,
} as const;

export const BlobMem = {
  GUEST: 0x0001,
  HOST3D: 0x0002,
  HOST3D_GUEST: 0x0003,
} as const;

export const BlobFlag = {
  USE_MAPPABLE: 0x0001,
  USE_SHAREABLE: 0x0002,
  USE_CROSS_DEVICE: 0x0004,
} as const;

export const CapsetId = {
  VIRGL: 1,
  VIRGL2: 2,
  GFXSTREAM_VULKAN: 3,
  VENUS: 4,
  CROSS_DOMAIN: 5,
  DRM: 6,
} as const;

export const MapCache = {
  MASK: 0x0f,
  NONE: 0x00,
  CACHED: 0x01,
  UNCACHED: 0x02,
  WC: 0x03,
} as const;

/** Low byte of CTX_CREATE's context_init: the capset the context speaks. */
export const CONTEXT_INIT_CAPSET_ID_MASK = 0xff;

export const MAX_SCANOUTS = 16;
export const EDID_BLOB_SIZE = 1024;
export const CURSOR_SIZE = 64;
export const CONTEXT_DEBUG_NAME_SIZE = 64;
