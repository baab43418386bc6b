/** Snapshots of the booted guest, kept in IndexedDB under the id of the image and code that made them. */
import type { TransportState } from '../virtio/pci-transport.ts';
import type { V86VirtioGpuState } from '../vm/v86.ts';

export interface StoredSnapshot {
  id: string;
  v86: ArrayBuffer;
  device: V86VirtioGpuState;
  /** The tablet's transport, for the desktop. */
  tablet?: TransportState;
}

const DB = 'virtio-gpu-web-demo';
const STORE = 'snapshots';
const KEY = 'guest';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

/** The stored snapshot if it was made under `id`; others are dropped. */
export async function loadSnapshot(id: string): Promise<StoredSnapshot | null> {
  const stored = await transact<StoredSnapshot | undefined>('readonly', (s) => s.get(KEY));
  if (stored && stored.id === id) return stored;
  if (stored) await deleteSnapshot();
  return null;
}

export async function storeSnapshot(snapshot: StoredSnapshot): Promise<void> {
  await transact('readwrite', (s) => s.put(snapshot, KEY));
}

export async function deleteSnapshot(): Promise<void> {
  await transact('readwrite', (s) => s.delete(KEY));
}
