/** Whatever carries messages between two threads: a Worker, a MessagePort, or a worker's own global scope. */
export interface ChannelEndpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  /** MessagePort needs this to deliver messages to listeners. */
  start?(): void;
}
