// The page: owns the device and the GPU worker that draws its scanout.
import { createWorkerPresenter, serveVirtioGpuChannel } from 'virtio-gpu-web';

const canvas = document.querySelector<HTMLCanvasElement>('#screen')!;
const presenter = await createWorkerPresenter({ canvases: [canvas] });

// The VMM runs in its own worker and talks to the device over a MessageChannel.
const { port1, port2 } = new MessageChannel();
const host = serveVirtioGpuChannel(port1, { scanouts: [{ width: 320, height: 240 }], presenter });
const vmm = new Worker(new URL('./vmm-worker.ts', import.meta.url), { type: 'module' });
vmm.postMessage({ port: port2 }, [port2]);

const drawn = new Promise<string>((resolve) => vmm.addEventListener('message', (event: MessageEvent<string>) => resolve(event.data)));
Object.assign(window, { example: { host, presenter, drawn } });
