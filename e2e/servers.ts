/** Where the e2e servers listen: the dev server (demo and test pages), and `vite preview` of the built offline app. */
export const devPort = Number(process.env.E2E_PORT ?? 5183);
export const appPort = devPort + 1;
export const appURL = `http://127.0.0.1:${appPort}`;
