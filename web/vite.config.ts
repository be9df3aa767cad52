import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { serviceProxy } from './dev-proxy.ts'

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    // the public entry is measured (≤ 200 KB gzipped); report what each chunk weighs
    reportCompressedSize: true,
    chunkSizeWarningLimit: 1200,
    // dist/.vite/manifest.json: the chunk graph, which tests/web/test_site.py checks
    manifest: true,
  },
  server: { proxy: serviceProxy() },
  preview: { proxy: serviceProxy() },
})
