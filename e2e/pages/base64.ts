/** Bytes as base64, for the test pages' answers to Node: a message carries a string far smaller than the bytes as JSON. */
export function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
