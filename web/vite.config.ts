import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './precompress';

/** `npm run dev -w web` proxies the API to a running `npm start` (GATEWAY_URL, default :4000). */
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  // precompress: .br and .gz beside each JS/CSS/HTML/SVG file, served by the gateway (web-client.ts)
  plugins: [react(), precompress()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: {
    proxy: Object.fromEntries(['/graphql', '/auth', '/billing', '/fhir', '/socket.io'].map((path) => [path, { target: gateway, ws: path === '/socket.io' }])),
  },
});
