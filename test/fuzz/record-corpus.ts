/**
 * Records the requests the real guest sends (boot, console, vgw-drm-test on
 * two scanouts) as the fuzzer's seed corpus: `node scripts/run-ts.mjs test/fuzz/record-corpus.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ensureGuestImage, type GuestImagePaths } from '../../guest/build-image.mjs';
import { GuestSession } from '../../src/node/guest-session.ts';
import { CORPUS_FILE, CORPUS_SCANOUTS, type Corpus } from './corpus.ts';

export async function main(): Promise<number> {
  const recorded: Corpus['requests'] = [];
  const image = ensureGuestImage();
  // With blobs, Linux makes dumb buffers guest blobs; without, 2D resources with backing. Both go in.
  for (const resourceBlob of [true, false]) await record(image, resourceBlob, recorded);
  const corpus: Corpus = { recordedWith: JSON.parse(readFileSync(image.manifest, 'utf8')).kernelVersion, scanouts: CORPUS_SCANOUTS, requests: recorded };
  writeFileSync(CORPUS_FILE, JSON.stringify(corpus) + '\n');
  console.log(`recorded ${recorded.length} requests into ${CORPUS_FILE}`);
  return 0;
}

async function record(image: GuestImagePaths, resourceBlob: boolean, recorded: Corpus['requests']): Promise<void> {
  const session = await GuestSession.boot({
    image,
    scanouts: CORPUS_SCANOUTS,
    features: { resourceBlob },
    onDeviceAttached: (device) => {
      const control = device.executeControl.bind(device);
      const cursor = device.executeCursor.bind(device);
      device.executeControl = (request) => {
        recorded.push({ queue: 'control', hex: Buffer.from(request).toString('hex') });
        return control(request);
      };
      device.executeCursor = (request) => {
        recorded.push({ queue: 'cursor', hex: Buffer.from(request).toString('hex') });
        cursor(request);
      };
    },
  });
  await session.run('vgw-drm-test show > /tmp/log 2>&1 & sleep 2; kill %1; wait; echo hello; vgw-drm-test info');
  await session.stop();
}
