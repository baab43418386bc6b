/**
 * A guest's shell on its first serial port, for programs: what it printed,
 * and commands typed at it, each followed by a marker that carries its exit
 * status. Works wherever the emulator runs (Node, a page).
 */
export interface SerialPort {
  serial0_send(text: string): void;
  add_listener(event: 'serial0-output-byte', listener: (byte: number) => void): void;
}

export class GuestTimeout extends Error {
  override name = 'GuestTimeout';
}

export class SerialShell {
  private text = '';
  private waiters: (() => void)[] = [];
  private commands = 0;

  constructor(private readonly port: SerialPort) {
    port.add_listener('serial0-output-byte', (byte) => {
      this.text += String.fromCharCode(byte);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Everything the guest printed on the port so far. */
  get transcript(): string {
    return this.text;
  }

  /** Types `command`; resolves with what it printed and its exit status. */
  async run(command: string, timeoutSeconds = 30): Promise<{ output: string; status: number }> {
    const marker = `__vgw_done_${++this.commands}_`;
    const start = this.text.length;
    // One line: a second one would wait in the tty for the command to read (kmscube quits on input).
    const separator = /&\s*$/.test(command) ? ' ' : '; ';
    this.port.serial0_send(`${command}${separator}echo "${marker}$?"\n`);
    const pattern = new RegExp(`${marker}(\\d+)\\r?\\n`, 'g');
    // Looked for at every byte the guest prints: the marker's line ends with the newest byte, so only the tail needs a look.
    const ended = (text: string): boolean => {
      pattern.lastIndex = Math.max(start, text.length - marker.length - 16);
      return pattern.test(text);
    };
    await this.waitFor(ended, timeoutSeconds * 1000, `'${command}'`);
    const tail = this.text.slice(start);
    pattern.lastIndex = 0;
    const match = pattern.exec(tail) as RegExpExecArray;
    const output = tail.slice(0, match.index).replace(/\r\n/g, '\n');
    return { output, status: Number(match[1]) };
  }

  /** Resolves once `done` holds for the transcript; rejects with GuestTimeout after `timeoutMs`. */
  waitFor(done: (text: string) => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new GuestTimeout(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last output: ${JSON.stringify(this.text.slice(-300))}`)), timeoutMs);
      const check = () => {
        if (done(this.text)) {
          clearTimeout(timer);
          resolve();
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }
}
