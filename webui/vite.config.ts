/// <reference types="vitest/config" />
// Vite builds the UI into webui/dist, which Caddy serves. `npm run dev` proxies
// /api and /health to a running cell's api.sock (env PIC_API_SOCK).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const apiSock = process.env.PIC_API_SOCK;
const proxyTarget = apiSock ? { socketPath: apiSock } : undefined;

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: proxyTarget
      ? {
          // http-proxy accepts a unix socket as target; the Host header is irrelevant to picd.
          '/api': { target: proxyTarget as unknown as string, changeOrigin: false, ws: false },
          '/health': { target: proxyTarget as unknown as string, changeOrigin: false },
        }
      : undefined,
  },
  test: {
    environment: 'jsdom',
    globals: false,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    restoreMocks: true,
    pool: 'threads',
    testTimeout: 20_000,
  },
});
