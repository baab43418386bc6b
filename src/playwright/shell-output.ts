/**
 * A command typed at the guest's serial shell, followed by a marker command,
 * and what the command printed, cut out of the serial text.
 */

/** The text to send: `command`, then an echo of marker `n` on a line of its own (`command` may end in `&`). */
export function withMarker(command: string, n: number): string {
  // The echoed line shows "$((n+0))"; only the shell's output shows the number itself.
  return `${command}\necho "__vgw_done_$((${n}+0))__"\n`;
}

export function doneMarker(n: number): string {
  return `__vgw_done_${n}__`;
}

/** What the command printed, from the serial text received since it was sent (which holds marker `n`). */
export function commandOutput(serial: string, n: number): string {
  const text = serial.replace(/\r/g, '');
  const output = text.slice(text.indexOf('\n') + 1, text.indexOf(doneMarker(n)));
  const beforeEcho = output.slice(0, output.lastIndexOf('echo "__vgw_done_'));
  // What precedes the echoed marker command on its line is the shell's prompt, not output.
  return beforeEcho.slice(0, beforeEcho.lastIndexOf('\n') + 1);
}
