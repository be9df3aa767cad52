import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { endSession, startSession } from '@/auth/session'
import { guard, routes } from './router'

function token(payload: Record<string, unknown>): string {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '')
  return `${part({ alg: 'EdDSA' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600, ...payload })}.sig`
}

async function landing(path: string): Promise<string> {
  const router = createRouter({ history: createMemoryHistory(), routes })
  router.beforeEach(guard)
  await router.push(path)
  return router.currentRoute.value.fullPath
}

describe('the routes', () => {
  afterEach(endSession)

  it('send a visitor to log in before the workbench, and back after', async () => {
    expect(await landing('/workbench/activities')).toBe('/login?redirect=/workbench/activities')
  })

  it('land each role on its own workbench pages only', async () => {
    startSession(token({ sub: 'a', role: 'reviewer', level: 'county', jur: '610502' }))
    expect(await landing('/workbench')).toBe('/workbench/review')
    expect(await landing('/workbench/admin/campaigns')).toBe('/workbench/review')
    startSession(token({ sub: 'b', role: 'admin' }))
    expect(await landing('/workbench')).toBe('/workbench/admin/campaigns')
    startSession(token({ sub: 'c', role: 'organizer', unit: 'u1' }))
    expect(await landing('/workbench/activities/new')).toBe('/workbench/activities/new')
  })

  it('answer an unknown address with the 404 page', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes })
    await router.push('/no/such/page')
    expect(router.currentRoute.value.name).toBe('not-found')
    await router.push('/')
    expect(router.currentRoute.value.name).toBe('home')
  })
})
