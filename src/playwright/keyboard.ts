/** Types text the way a person does on a US keyboard: Shift held for capitals and shifted symbols (v86 maps physical keys, so Playwright's keyboard.type would drop the Shift). */
import type { Page } from '@playwright/test';

const SHIFTED: Record<string, string> = {
  '~': '`', '!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0',
  '_': '-', '+': '=', '{': '[', '}': ']', '|': '\\', ':': ';', '"': "'", '<': ',', '>': '.', '?': '/',
};

export async function typeKeys(page: Page, text: string): Promise<void> {
  for (const ch of text) {
    if (ch === '\n') await page.keyboard.press('Enter');
    else if (ch === '\t') await page.keyboard.press('Tab');
    else if (SHIFTED[ch]) await page.keyboard.press(`Shift+${SHIFTED[ch]}`);
    else if (ch >= 'A' && ch <= 'Z') await page.keyboard.press(`Shift+${ch.toLowerCase()}`);
    else await page.keyboard.press(ch === ' ' ? 'Space' : ch);
  }
}
