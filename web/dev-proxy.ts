// `npm run dev` and `npm run preview` send each /api/v1/... path to the service that serves it, as
// Caddy does on the one origin of `kepuri up`. The paths come from the services' own OpenAPI
// documents (src/api/openapi/*.json), so a new route needs no entry here. Ports are those of
// `kepuri up`, or KEPURI_<SERVICE>_PORT.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ProxyOptions } from 'vite'

const DEFAULT_PORTS: Record<string, number> = { registration: 8001, review: 8002, notification: 8003, analytics: 8004 }

function pathPattern(path: string): string {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/?]+')
  return `^${escaped}(\\?.*)?$`
}

export function serviceProxy(env: NodeJS.ProcessEnv = process.env): Record<string, ProxyOptions> {
  const directory = fileURLToPath(new URL('./src/api/openapi/', import.meta.url))
  const proxy: Record<string, ProxyOptions> = {}
  // literal paths before templated ones, so /exports/recommendations.xlsx (review) wins over
  // /exports/{table}.xlsx (analytics)
  const routes: { path: string; target: string }[] = []
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json')).sort()) {
    const service = file.replace(/\.json$/, '')
    const port = env[`KEPURI_${service.toUpperCase()}_PORT`] ?? DEFAULT_PORTS[service]
    const document = JSON.parse(readFileSync(directory + file, 'utf8')) as { paths: Record<string, unknown> }
    for (const path of Object.keys(document.paths).filter((p) => p.startsWith('/api/'))) {
      routes.push({ path, target: `http://127.0.0.1:${port}` })
    }
  }
  routes.sort((a, b) => Number(a.path.includes('{')) - Number(b.path.includes('{')))
  for (const { path, target } of routes) proxy[pathPattern(path)] = { target }
  proxy['^/dashboard'] = { target: `http://127.0.0.1:${env.KEPURI_ANALYTICS_PORT ?? DEFAULT_PORTS.analytics}` }
  return proxy
}
